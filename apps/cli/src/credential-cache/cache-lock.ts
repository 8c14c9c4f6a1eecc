import { hostname } from 'node:os';
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { errorCode, NO_FOLLOW, UnsafeCacheError } from './safe-files';

export interface FileLockOptions {
  /** How long to wait for another process's lock before giving up. */
  waitMs?: number;
  /** A lock older than this was left behind: its holder gives up on the broker long before. */
  staleMs?: number;
}

/** Another process held the lock for longer than we wait; the message names the file to remove. */
export class LockTimeoutError extends Error {
  constructor(readonly path: string) {
    super(`another fedgate process holds ${path}; if none is running, remove that file`);
    this.name = 'LockTimeoutError';
  }
}

const DEFAULT_WAIT_MS = 60_000;
const DEFAULT_STALE_MS = 90_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return errorCode(error) === 'ESRCH';
  }
}

/**
 * Whether a lock was left behind: its holder (on this host) has exited, or
 * it is older than any holder could take. Removing it is safe even when
 * two waiters race: the worst case is two broker calls, never a torn cache
 * file, because the cache file is only ever replaced by rename.
 */
async function isStale(path: string, staleMs: number): Promise<boolean> {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = (await fs.lstat(path)).mtimeMs;
    text = await fs.readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | NO_FOLLOW });
  } catch (error) {
    // Gone already (its holder finished): not stale, just try again.
    if (errorCode(error) === 'ENOENT') {
      return false;
    }
    if (errorCode(error) === 'ELOOP') {
      throw new UnsafeCacheError(path, 'it is a symbolic link', 'remove it');
    }
    throw error;
  }
  if (Date.now() - mtimeMs > staleMs) {
    return true;
  }
  const [pid, host] = text.split('\n');
  // A holder that has not written its line yet is alive: it writes right after creating the file.
  return host === hostname() && /^\d+$/.test(pid ?? '') && processIsGone(Number(pid));
}

/**
 * Runs `task` holding an exclusive lock file (created with O_EXCL, so of
 * any number of processes exactly one creates it). The others poll until it
 * is removed, and take over a lock whose holder died.
 */
export async function withFileLock<T>(
  path: string,
  task: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  let handle: FileHandle | undefined;
  while (handle === undefined) {
    try {
      handle = await fs.open(
        path,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW,
        0o600,
      );
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') {
        throw error;
      }
      if (await isStale(path, staleMs)) {
        await fs.rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new LockTimeoutError(path);
      }
      await sleep(20 + Math.random() * 40);
    }
  }
  try {
    await handle.writeFile(`${process.pid}\n${hostname()}\n`);
    return await task();
  } finally {
    await handle.close();
    await fs.rm(path, { force: true });
  }
}
