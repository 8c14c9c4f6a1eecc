import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { normalizeBrokerUrl } from './broker-url';

/** What the CLI keeps after `fedgate login` for one broker. */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, ISO 8601 UTC. */
  expiresAt: string;
}

/** The whole token file: the default broker and one record per broker URL. */
export interface TokenFile {
  defaultBrokerUrl?: string;
  brokers: Record<string, StoredTokens>;
}

/** The token file or its directory is not safe to use; nothing was read or written. */
export class UnsafeTokenFileError extends Error {
  constructor(
    readonly path: string,
    reason: string,
    fix: string,
  ) {
    super(`refusing ${path}: ${reason}; ${fix}`);
    this.name = 'UnsafeTokenFileError';
  }
}

/** Where the environment says configuration goes. */
export type Environment = Readonly<Record<string, string | undefined>>;

const FILE_NAME = 'tokens.json';
const LOCK_NAME = 'tokens.lock';
/** A lock older than this was left by a process that died; refreshing takes seconds at most. */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 20_000;
const LOCK_POLL_MS = 25;
/** O_NOFOLLOW is 0 where the platform has none (Windows); the lstat checks still apply. */
const NO_FOLLOW = (constants as Partial<typeof constants>).O_NOFOLLOW ?? 0;

/** `$XDG_CONFIG_HOME/fedgate`, or `~/.config/fedgate` (XDG ignores a relative XDG_CONFIG_HOME). */
export function configDirectory(env: Environment): string {
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) {
    return join(xdg, 'fedgate');
  }
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
  return join(home, '.config', 'fedgate');
}

function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * Tokens under the config directory: the directory is 0700, the file 0600,
 * both owned by the user; a symlink or someone else's file is refused rather
 * than followed. Writes go to a new file renamed over the old one, so a
 * reader never sees half a file.
 */
export class TokenStore {
  readonly directory: string;
  readonly file: string;

  constructor(env: Environment = process.env) {
    this.directory = configDirectory(env);
    this.file = join(this.directory, FILE_NAME);
  }

  /** The whole file; an empty one when there is none yet. */
  async read(): Promise<TokenFile> {
    if (!(await this.checkDirectory(false))) {
      return { brokers: {} };
    }
    let handle: FileHandle;
    try {
      handle = await fs.open(this.file, constants.O_RDONLY | NO_FOLLOW);
    } catch (error) {
      if (isMissing(error)) {
        return { brokers: {} };
      }
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
        throw new UnsafeTokenFileError(
          this.file,
          'it is a symbolic link',
          'remove it and run fedgate login again',
        );
      }
      throw error;
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) {
        throw new UnsafeTokenFileError(
          this.file,
          'it is not a regular file',
          'remove it and run fedgate login again',
        );
      }
      this.checkOwnerAndMode(this.file, stat.uid, stat.mode, 0o077, 'chmod 600');
      return parseTokenFile(this.file, await handle.readFile('utf8'));
    } finally {
      await handle.close();
    }
  }

  /** The record for one broker, if logged in there. */
  async get(brokerUrl: string): Promise<StoredTokens | undefined> {
    const file = await this.read();
    return file.brokers[normalizeBrokerUrl(brokerUrl)];
  }

  /** The broker `fedgate login --url` last remembered. */
  async defaultBrokerUrl(): Promise<string | undefined> {
    return (await this.read()).defaultBrokerUrl;
  }

  /** Keeps the tokens of one broker (and, when asked, makes it the default), under the lock. */
  async put(brokerUrl: string, tokens: StoredTokens, options: { makeDefault?: boolean } = {}): Promise<void> {
    const url = normalizeBrokerUrl(brokerUrl);
    await this.withLock(async () => {
      const file = await this.read();
      file.brokers[url] = tokens;
      if (options.makeDefault === true) {
        file.defaultBrokerUrl = url;
      }
      await this.replaceLocked(file);
    });
  }

  /** Forgets the tokens of one broker; the default broker stays remembered. */
  async remove(brokerUrl: string): Promise<void> {
    const url = normalizeBrokerUrl(brokerUrl);
    await this.withLock(async () => {
      const file = await this.read();
      if (file.brokers[url] === undefined) {
        return;
      }
      await this.replaceLocked(withoutBroker(file, url));
    });
  }

  /**
   * Runs `task` holding the token lock, so that of several `fedgate`
   * processes only one refreshes at a time: with refresh-token rotation, two
   * refreshes with one token would look like theft to the broker and end the
   * login. The lock is a file created exclusively; one older than 30 s is
   * taken to be left by a dead process.
   */
  async withLock<T>(task: () => Promise<T>): Promise<T> {
    await this.checkDirectory(true);
    const lock = join(this.directory, LOCK_NAME);
    const deadline = Date.now() + LOCK_WAIT_MS;
    let handle: FileHandle | undefined;
    while (handle === undefined) {
      try {
        handle = await fs.open(
          lock,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW,
          0o600,
        );
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw error;
        }
        await removeIfStale(lock);
        if (Date.now() > deadline) {
          throw new Error(`another fedgate process holds ${lock}; if none is running, remove that file`);
        }
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      }
    }
    try {
      await handle.writeFile(`${process.pid}\n`);
      return await task();
    } finally {
      await handle.close();
      await fs.rm(lock, { force: true });
    }
  }

  /** Replaces the whole file atomically; call it only inside withLock, after read. */
  async replaceLocked(file: TokenFile): Promise<void> {
    const temporary = join(this.directory, `.${FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}`);
    const handle = await fs.open(
      temporary,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW,
      0o600,
    );
    try {
      await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(temporary, this.file);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  /**
   * Checks (and with `create`, makes) the directory; false when it does not
   * exist and was not to be made. A directory of ours that others can enter
   * is tightened to 0700 rather than refused: XDG tools often make the parent
   * 0755 and the tokens file is 0600 anyway.
   */
  private async checkDirectory(create: boolean): Promise<boolean> {
    if (create) {
      await fs.mkdir(this.directory, { recursive: true, mode: 0o700 });
    }
    let stat;
    try {
      stat = await fs.lstat(this.directory);
    } catch (error) {
      if (isMissing(error)) {
        return false;
      }
      throw error;
    }
    if (stat.isSymbolicLink()) {
      throw new UnsafeTokenFileError(this.directory, 'it is a symbolic link', 'make it a real directory');
    }
    if (!stat.isDirectory()) {
      throw new UnsafeTokenFileError(this.directory, 'it is not a directory', 'remove it');
    }
    this.checkOwnerAndMode(this.directory, stat.uid, 0, 0, '');
    if ((stat.mode & 0o077) !== 0) {
      await fs.chmod(this.directory, 0o700);
    }
    return true;
  }

  private checkOwnerAndMode(path: string, uid: number, mode: number, forbidden: number, fix: string): void {
    const me = currentUid();
    if (me !== undefined && uid !== me) {
      throw new UnsafeTokenFileError(path, `it belongs to user id ${uid}, not to you`, 'remove it');
    }
    if (me !== undefined && (mode & forbidden) !== 0) {
      throw new UnsafeTokenFileError(
        path,
        `others may read it (mode ${(mode & 0o777).toString(8)})`,
        `run ${fix} ${path}, or remove it and run fedgate login again`,
      );
    }
  }
}

/** The file without one broker's tokens. */
export function withoutBroker(file: TokenFile, brokerUrl: string): TokenFile {
  const brokers = Object.fromEntries(Object.entries(file.brokers).filter(([url]) => url !== brokerUrl));
  return { ...file, brokers };
}

async function removeIfStale(lock: string): Promise<void> {
  try {
    const stat = await fs.lstat(lock);
    if (Date.now() - stat.mtimeMs > STALE_LOCK_MS) {
      await fs.rm(lock, { force: true });
    }
  } catch (error) {
    if (!isMissing(error)) {
      throw error;
    }
  }
}

function isTokens(value: unknown): value is StoredTokens {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return (
    typeof record.accessToken === 'string' &&
    typeof record.refreshToken === 'string' &&
    typeof record.expiresAt === 'string' &&
    !Number.isNaN(Date.parse(record.expiresAt))
  );
}

/** Parses the file, refusing anything not written by this code (it is never half-written). */
function parseTokenFile(path: string, text: string): TokenFile {
  const broken = () =>
    new UnsafeTokenFileError(path, 'it is not a fedgate token file', 'remove it and run fedgate login again');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw broken();
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw broken();
  }
  const { defaultBrokerUrl, brokers } = parsed as Record<string, unknown>;
  if (defaultBrokerUrl !== undefined && typeof defaultBrokerUrl !== 'string') {
    throw broken();
  }
  if (typeof brokers !== 'object' || brokers === null || Array.isArray(brokers)) {
    throw broken();
  }
  const records: Record<string, StoredTokens> = {};
  for (const [url, record] of Object.entries(brokers)) {
    // Keys are normalized broker URLs; anything else (`__proto__`…) was not written here.
    if (!/^https?:\/\//.test(url) || !isTokens(record)) {
      throw broken();
    }
    records[url] = {
      accessToken: record.accessToken,
      refreshToken: record.refreshToken,
      expiresAt: record.expiresAt,
    };
  }
  return defaultBrokerUrl === undefined ? { brokers: records } : { defaultBrokerUrl, brokers: records };
}
