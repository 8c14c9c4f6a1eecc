/**
 * A CPU profile of this thread (node:inspector, the same profiler as
 * `node --cpu-prof`) while a piece of load runs, and its summary: the
 * functions with the most self time. Profiling the main thread alone leaves
 * out a load generator running in a worker thread.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Profiles this thread while `work` runs; writes the profile to `path` (open it in Chrome DevTools). */
export async function profileWhile(path: string, work: () => Promise<void>): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    await work();
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    writeFileSync(path, JSON.stringify(profile));
    return profile;
  } finally {
    session.disconnect();
  }
}

export interface SelfTime {
  /** `name (file:line)`, the file relative to the repository or node_modules. */
  function: string;
  /** Share of all samples, 0–1. */
  share: number;
}

function place(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) {
    return url.slice(modules + 'node_modules/'.length);
  }
  const dist = url.indexOf('/dist/');
  return dist === -1 ? url.replace(/^file:\/\//, '') : url.slice(url.indexOf('/', dist + 6) + 1);
}

/** The `count` functions with the most self time, idle and program overhead included as V8 names them. */
export function topSelfTime(profile: CpuProfile, count: number): SelfTime[] {
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName === '' ? '(anonymous)' : functionName}${url === '' ? '' : ` (${place(url)}:${lineNumber + 1})`}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  }
  return [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, hits]) => ({ function: name, share: total === 0 ? 0 : hits / total }));
}

/** Self time grouped by where the code lives: node internals, a package, or the project's own files. */
export function selfTimeByOrigin(profile: CpuProfile): { origin: string; share: number }[] {
  const byOrigin = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const { url, functionName } = node.callFrame;
    let origin: string;
    if (url === '') {
      origin = functionName.startsWith('(') ? functionName : '(native)';
    } else if (url.startsWith('node:')) {
      origin = 'node internals';
    } else if (url.includes('node_modules/')) {
      const rest = url.slice(url.lastIndexOf('node_modules/') + 'node_modules/'.length).split('/');
      origin = rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '?');
    } else {
      const match = /\/(apps\/[^/]+|libs\/[^/]+)\//.exec(url);
      origin = match?.[1] ?? 'other';
    }
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + hits);
  }
  return [...byOrigin.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([origin, hits]) => ({ origin, share: total === 0 ? 0 : hits / total }));
}
