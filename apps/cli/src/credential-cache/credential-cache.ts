import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { IssuedCredentials } from '../commands/broker-api';
import { isIssuedCredentials } from '../commands/broker-api';
import { withFileLock, type FileLockOptions } from './cache-lock';
import {
  checkOwnedAndPrivate,
  ensurePrivateDirectory,
  errorCode,
  NO_FOLLOW,
  UnsafeCacheError,
} from './safe-files';

type Environment = Readonly<Record<string, string | undefined>>;

/** Cached credentials are handed out until this long before they expire (then fetched anew). */
export const REFRESH_BEFORE_EXPIRY_MS = 15 * 60_000;

/** What one set of credentials is cached under. */
export interface CacheKey {
  brokerUrl: string;
  accountId: string;
  permissionSet: string;
  durationSeconds?: number;
}

interface CacheEntry extends CacheKey {
  credentials: IssuedCredentials;
}

/** `$XDG_CACHE_HOME/fedgate`, or `~/.cache/fedgate` (XDG ignores a relative XDG_CACHE_HOME). */
export function cacheDirectory(env: Environment): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) {
    return join(xdg, 'fedgate');
  }
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
  return join(home, '.cache', 'fedgate');
}

/** Account and permission set names are matched ignoring case by the broker, so they are one key. */
function fileStem(key: CacheKey): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        key.brokerUrl,
        key.accountId.toLowerCase(),
        key.permissionSet.toLowerCase(),
        key.durationSeconds ?? null,
      ]),
    )
    .digest('hex')
    .slice(0, 32);
}

function isFresh(credentials: IssuedCredentials, now: number): boolean {
  return Date.parse(credentials.Expiration) - now > REFRESH_BEFORE_EXPIRY_MS;
}

/**
 * Credentials on disk between `credential-process` runs, one file per
 * (broker, account, permission set, duration). The files hold secrets in
 * clear text, like the AWS CLI's own cache, and are guarded by their
 * permissions instead: the directory is 0700, each file 0600; a symbolic
 * link, a file someone else owns or one others may read is refused, never
 * followed or read. A file is only ever replaced by renaming a complete new
 * one over it, so readers never see half of one.
 */
export class CredentialCache {
  readonly directory: string;

  constructor(
    env: Environment,
    private readonly now: () => number = Date.now,
  ) {
    this.directory = cacheDirectory(env);
  }

  filePath(key: CacheKey): string {
    return join(this.directory, `${fileStem(key)}.json`);
  }

  /**
   * Fresh cached credentials for `key`, or else those `fetch` gets, which are
   * cached. Concurrent callers (in any number of processes) take turns
   * under a lock file and re-read the cache first, so one of them calls the
   * broker and the others use its result.
   */
  async obtain(
    key: CacheKey,
    fetch: () => Promise<IssuedCredentials>,
    lock?: FileLockOptions,
  ): Promise<IssuedCredentials> {
    await ensurePrivateDirectory(this.directory);
    const cached = await this.read(key);
    if (cached !== undefined) {
      return cached;
    }
    return withFileLock(
      join(this.directory, `${fileStem(key)}.lock`),
      async () => {
        const again = await this.read(key);
        if (again !== undefined) {
          return again;
        }
        const credentials = await fetch();
        await this.write(key, credentials);
        return credentials;
      },
      lock,
    );
  }

  /** Fresh credentials from the file, or undefined; throws UnsafeCacheError for a file it must not trust. */
  async read(key: CacheKey): Promise<IssuedCredentials | undefined> {
    const path = this.filePath(key);
    let handle: FileHandle;
    try {
      handle = await fs.open(path, constants.O_RDONLY | NO_FOLLOW);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') {
        return undefined;
      }
      if (errorCode(error) === 'ELOOP') {
        throw new UnsafeCacheError(path, 'it is a symbolic link', 'remove it');
      }
      throw error;
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) {
        throw new UnsafeCacheError(path, 'it is not a regular file', 'remove it');
      }
      checkOwnedAndPrivate(path, stat, 'remove it');
      const entry = parseEntry(await handle.readFile('utf8'));
      // An entry for another key (a planted or copied file) is as good as none.
      if (
        entry === undefined ||
        fileStem(entry) !== fileStem(key) ||
        !isFresh(entry.credentials, this.now())
      ) {
        return undefined;
      }
      return entry.credentials;
    } finally {
      await handle.close();
    }
  }

  private async write(key: CacheKey, credentials: IssuedCredentials): Promise<void> {
    const path = this.filePath(key);
    const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const entry: CacheEntry = { ...key, credentials };
    const handle = await fs.open(
      temporary,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW,
      0o600,
    );
    try {
      await handle.writeFile(`${JSON.stringify(entry)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(temporary, path);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  /** Removes every cached entry of a broker (after a logout, say); returns how many. */
  async forget(brokerUrl: string): Promise<number> {
    let names: string[];
    try {
      names = await fs.readdir(this.directory);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') {
        return 0;
      }
      throw error;
    }
    let removed = 0;
    for (const name of names.filter((file) => /^[0-9a-f]{32}\.json$/.test(file))) {
      const path = join(this.directory, name);
      const text = await fs
        .readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | NO_FOLLOW })
        .catch(() => '');
      if (parseEntry(text)?.brokerUrl === brokerUrl) {
        await fs.rm(path, { force: true });
        removed += 1;
      }
    }
    return removed;
  }
}

function parseEntry(text: string): CacheEntry | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return undefined;
  }
  const entry = parsed as Record<string, unknown>;
  const { brokerUrl, accountId, permissionSet, durationSeconds, credentials } = entry;
  if (
    typeof brokerUrl !== 'string' ||
    typeof accountId !== 'string' ||
    typeof permissionSet !== 'string' ||
    (durationSeconds !== undefined && typeof durationSeconds !== 'number') ||
    !isIssuedCredentials(credentials)
  ) {
    return undefined;
  }
  return {
    brokerUrl,
    accountId,
    permissionSet,
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
    credentials,
  };
}
