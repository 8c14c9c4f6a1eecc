import { constants, promises as fs, type Stats } from 'node:fs';

/** O_NOFOLLOW is 0 where the platform has none (Windows); the lstat checks still apply there. */
export const NO_FOLLOW = (constants as { O_NOFOLLOW?: number }).O_NOFOLLOW ?? 0;

/** A cache file or directory fedgate will not use; the message says why and what to do. */
export class UnsafeCacheError extends Error {
  constructor(
    readonly path: string,
    reason: string,
    fix: string,
  ) {
    super(`refusing ${path}: ${reason}; ${fix}`);
    this.name = 'UnsafeCacheError';
  }
}

export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Refuses what someone else owns, and (with `privateMode`) anything others may read or write. */
export function checkOwnedAndPrivate(path: string, stat: Stats, fix: string): void {
  const me = currentUid();
  if (me === undefined) {
    return;
  }
  if (stat.uid !== me) {
    throw new UnsafeCacheError(path, `it belongs to user id ${stat.uid}, not to you (${me})`, fix);
  }
  if ((stat.mode & 0o077) !== 0) {
    throw new UnsafeCacheError(
      path,
      `others have access to it (mode ${(stat.mode & 0o777).toString(8)})`,
      fix,
    );
  }
}

/**
 * Makes the directory (0700) when missing and checks it: a real directory,
 * not a symbolic link, owned by the user, closed to others. Cached
 * credentials are secrets; a directory others can write to could hold
 * planted files, so it is refused, never repaired silently.
 */
export async function ensurePrivateDirectory(path: string): Promise<void> {
  await fs.mkdir(path, { recursive: true, mode: 0o700 });
  const stat = await fs.lstat(path);
  if (stat.isSymbolicLink()) {
    throw new UnsafeCacheError(path, 'it is a symbolic link', 'make it a real directory (mkdir -m 700)');
  }
  if (!stat.isDirectory()) {
    throw new UnsafeCacheError(path, 'it is not a directory', 'remove it');
  }
  checkOwnedAndPrivate(path, stat, `run chmod 700 ${path}, or remove it`);
}
