import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/**
 * Generic helpers for integration tests that run real servers (Redis, slapd,
 * moto_server, ...). Nothing here knows about a particular server.
 */

const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Keep the tail of a child's output: enough to explain a failure, bounded so a chatty server cannot eat memory. */
const OUTPUT_LIMIT_BYTES = 256 * 1024;

/** Children still running, killed if the test process exits so no server outlives the run. */
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) {
    child.kill('SIGKILL');
  }
});

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves to a TCP port on 127.0.0.1 that was free a moment ago. Another
 * process can take it before the caller binds it, so servers started on it
 * should be retried on "address in use".
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a listening socket'));
        return;
      }
      server.close(() => {
        resolve(address.port);
      });
    });
  });
}

/**
 * Returns the absolute path of an executable found on PATH or in the usual
 * sbin directories (servers such as slapd live there and are often not on a
 * user's PATH). Throws when it is missing, naming the command that installs
 * it: a missing server must fail the run, never silently skip tests.
 */
export function requireBinary(
  name: string,
  installHint: string,
  search: readonly string[] = defaultSearchDirs(),
): string {
  for (const dir of search) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      if (statSync(candidate).isFile()) {
        return candidate;
      }
    } catch {
      // Not in this directory; keep looking.
    }
  }
  throw new Error(`${name} is not installed; install it with: ${installHint}`);
}

function defaultSearchDirs(): string[] {
  const pathDirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  return [...pathDirs, ...SBIN_DIRS];
}

/** Creates a fresh private directory under the OS temp dir; the caller removes it. */
export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** True when something accepts a TCP connection on host:port. */
export function tcpAccepts(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => {
      finish(false);
    });
    socket.once('connect', () => {
      finish(true);
    });
    socket.once('error', () => {
      finish(false);
    });
  });
}

/** Waits until host:port accepts TCP connections; rejects after timeoutMs. */
export async function waitForTcp(host: string, port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await tcpAccepts(host, port))) {
    if (Date.now() >= deadline) {
      throw new Error(`nothing accepted connections on ${host}:${port} within ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}

export interface StartProcessOptions {
  command: string;
  args?: readonly string[];
  cwd?: string;
  /** Added to (not replacing) the test process's environment. */
  env?: Record<string, string>;
  /** Polled until it resolves true; a throw counts as "not yet". */
  ready: () => Promise<boolean>;
  /** How long to wait for ready() before giving up; default 15 s. */
  timeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL; default 5 s. */
  stopGraceMs?: number;
}

export interface RunningProcess {
  readonly pid: number;
  /** stdout and stderr interleaved as received (the most recent 256 KiB). */
  output(): string;
  /** True once the process has exited. */
  exited(): boolean;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; resolves once the process has exited. Idempotent. */
  kill(): Promise<void>;
}

/**
 * Spawns a server and resolves once ready() says it serves. Rejects, with the
 * captured output in the message, when the process cannot be spawned, exits
 * early, or is not ready within timeoutMs (it is killed in that case).
 */
export async function startProcess(options: StartProcessOptions): Promise<RunningProcess> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const description = [options.command, ...(options.args ?? [])].join(' ');

  const child = spawn(options.command, options.args ?? [], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);

  let output = '';
  const capture = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT_BYTES) {
      output = output.slice(-OUTPUT_LIMIT_BYTES);
    }
  };
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);

  let spawnError: Error | undefined;
  let exitStatus: string | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      spawnError = error;
      liveChildren.delete(child);
      resolve();
    });
    // 'close' rather than 'exit': it also waits for stdout/stderr to drain, so output() is complete.
    child.once('close', (code, signal) => {
      exitStatus = signal === null ? `exit code ${code}` : `signal ${signal}`;
      liveChildren.delete(child);
      resolve();
    });
  });
  const hasExited = (): boolean => exitStatus !== undefined || spawnError !== undefined;

  const signalAndWait = async (signal: NodeJS.Signals, graceMs: number): Promise<boolean> => {
    if (hasExited()) {
      return true;
    }
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, graceMs);
    });
    const result = await Promise.race([exitPromise.then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  };
  const kill = async (): Promise<void> => {
    await signalAndWait('SIGKILL', 30_000);
  };
  const stop = async (): Promise<void> => {
    if (!(await signalAndWait('SIGTERM', stopGraceMs))) {
      await kill();
    }
  };

  const failure = (reason: string): Error =>
    new Error(`${description}: ${reason}\n--- output ---\n${output || '(none)'}`);

  // Spawn failures (ENOENT, EACCES) arrive asynchronously; without waiting, a ready() that
  // succeeds at once (e.g. something else already on the port) would hide them.
  await new Promise<void>((resolve) => {
    child.once('spawn', resolve);
    child.once('error', () => {
      resolve();
    });
  });

  const deadline = Date.now() + timeoutMs;
  let lastReadyError: unknown;
  for (;;) {
    if (spawnError !== undefined) {
      throw failure(`could not be started: ${spawnError.message}`);
    }
    if (exitStatus !== undefined) {
      throw failure(`exited before it was ready (${exitStatus})`);
    }
    try {
      if (await options.ready()) {
        break;
      }
    } catch (error) {
      lastReadyError = error;
    }
    if (Date.now() >= deadline) {
      await kill();
      const last =
        lastReadyError instanceof Error ? ` (last readiness error: ${lastReadyError.message})` : '';
      throw failure(`was not ready within ${timeoutMs} ms${last}`);
    }
    await Promise.race([sleep(50), exitPromise]);
  }

  if (child.pid === undefined) {
    throw failure('has no pid');
  }
  return { pid: child.pid, output: () => output, exited: hasExited, stop, kill };
}

/**
 * A fixture directory under test/fixtures, found from wherever this file
 * runs (the source tree under jest, or a compiled copy under dist/ for benches).
 */
export function fixturePath(...parts: string[]): string {
  let directory = __dirname;
  for (;;) {
    const candidate = join(directory, 'test', 'fixtures', ...parts);
    if (existsSync(candidate)) {
      return candidate;
    }
    const parent = dirname(directory);
    if (parent === directory) {
      throw new Error(`test fixture ${parts.join('/')} not found above ${__dirname}`);
    }
    directory = parent;
  }
}
