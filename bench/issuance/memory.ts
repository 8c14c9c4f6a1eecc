/**
 * Memory of the broker (issue #19): its resident set idle and under the
 * cache-hit load, in a process of its own (broker-process.ts), and the
 * bytes one session and one cached credential take in Redis (`MEMORY
 * USAGE`, which counts the key, the value and Redis's own overhead).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Resident set size of a process in MiB (Linux), or NaN elsewhere. */
export function residentMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
    return kib / 1024;
  } catch {
    return Number.NaN;
  }
}

export interface BrokerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Forks broker-process.js with this config and waits until it listens. */
export function forkBroker(yaml: string, secret: string): Promise<BrokerProcess> {
  const child: ChildProcess = fork(join(__dirname, 'broker-process.js'), [], {
    env: { ...process.env, FEDGATE_BENCH_CONFIG: yaml, BROKER_SECRET: secret },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      reject(new Error(`the broker process exited with ${String(code)}`));
    });
    child.once('message', (message: { port: number }) => {
      resolve({
        url: `http://127.0.0.1:${message.port}`,
        pid: child.pid ?? 0,
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => {
              done();
            });
            child.disconnect();
          }),
      });
    });
  });
}

/** Samples a process's resident set every 100 ms while `work` runs; answers the peak. */
export async function peakResidentMiB(pid: number, work: () => Promise<unknown>): Promise<number> {
  let peak = residentMiB(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, residentMiB(pid));
  }, 100);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, residentMiB(pid));
}

/** `MEMORY USAGE` of every key under `prefix` whose name (after it) starts with `kind`: mean bytes and count. */
export async function redisBytes(
  url: string,
  prefix: string,
  kind: string,
): Promise<{ meanBytes: number; keys: number }> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}${kind}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    let total = 0;
    for (const key of keys) {
      total += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    }
    return { meanBytes: keys.length === 0 ? Number.NaN : total / keys.length, keys: keys.length };
  } finally {
    redis.disconnect();
  }
}

/** Commands redis-server has run so far, by name (`INFO commandstats`), the INFO itself excluded. */
export async function redisCommandCounts(url: string): Promise<Map<string, number>> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    const info = await redis.info('commandstats');
    const counts = new Map<string, number>();
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      const [, name = '', calls = '0'] = match;
      counts.set(name, Number(calls) - (name === 'info' ? 1 : 0));
    }
    return counts;
  } finally {
    redis.disconnect();
  }
}

/** Commands run between two `redisCommandCounts`, per request, by name (busiest first). */
export function commandsPerRequest(
  before: Map<string, number>,
  after: Map<string, number>,
  requests: number,
): { name: string; perRequest: number }[] {
  return [...after]
    .map(([name, calls]) => ({ name, perRequest: (calls - (before.get(name) ?? 0)) / requests }))
    .filter((entry) => entry.perRequest > 0)
    .sort((a, b) => b.perRequest - a.perRequest);
}
