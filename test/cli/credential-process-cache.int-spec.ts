/**
 * The rules of the CLI's credential cache ($XDG_CACHE_HOME/fedgate), each
 * with the case that breaks it, on real files: private modes, no symbolic
 * links, no one else's files, reuse until 15 minutes before expiry, one
 * fetch for concurrent callers, and recovery from a lock left behind.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { IssuedCredentials } from '../../apps/cli/src/commands/broker-api';
import { LockTimeoutError, withFileLock } from '../../apps/cli/src/credential-cache/cache-lock';
import { CredentialCache, type CacheKey } from '../../apps/cli/src/credential-cache/credential-cache';
import { UnsafeCacheError } from '../../apps/cli/src/credential-cache/safe-files';

const KEY: CacheKey = { brokerUrl: 'http://127.0.0.1:8080', accountId: 'demo', permissionSet: 'Developer' };

let root = '';
let env: Record<string, string> = {};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'fedgate-cache-'));
  env = { XDG_CACHE_HOME: join(root, 'cache'), HOME: root };
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

let serial = 0;
function credentials(validForMs: number): IssuedCredentials {
  serial += 1;
  return {
    Version: 1,
    AccessKeyId: `ASIATEST${String(serial).padStart(12, '0')}`,
    SecretAccessKey: `secret-${serial}-${'x'.repeat(20)}`,
    SessionToken: `token-${serial}-${'y'.repeat(40)}`,
    Expiration: new Date(Date.now() + validForMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/** A fetch that counts its calls. */
function counting(validForMs = 3_600_000): { fetch: () => Promise<IssuedCredentials>; calls: () => number } {
  let calls = 0;
  return {
    fetch: async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return credentials(validForMs);
    },
    calls: () => calls,
  };
}

/** Writes a cache entry for KEY the way the cache does, by a first obtain. */
async function seeded(cache: CredentialCache): Promise<{ path: string; issued: IssuedCredentials }> {
  const issued = await cache.obtain(KEY, counting().fetch);
  return { path: cache.filePath(KEY), issued };
}

describe('the credential cache', () => {
  it('makes its directory 0700 and its files 0600, and reuses fresh credentials', async () => {
    const cache = new CredentialCache(env);
    const source = counting();
    const first = await cache.obtain(KEY, source.fetch);
    const again = await cache.obtain({ ...KEY, accountId: 'DEMO', permissionSet: 'developer' }, source.fetch);
    expect(again).toEqual(first);
    expect(source.calls()).toBe(1);
    expect(statSync(cache.directory).mode & 0o777).toBe(0o700);
    const files = readdirSync(cache.directory);
    expect(files).toEqual([basename(cache.filePath(KEY))]);
    expect(statSync(cache.filePath(KEY)).mode & 0o777).toBe(0o600);
  });

  it('fetches anew 15 minutes before expiry, and keeps keys apart', async () => {
    const cache = new CredentialCache(env);
    const short = counting(14 * 60_000);
    await cache.obtain(KEY, short.fetch);
    await cache.obtain(KEY, short.fetch);
    expect(short.calls()).toBe(2);

    const source = counting(16 * 60_000);
    await cache.obtain(KEY, source.fetch);
    await cache.obtain(KEY, source.fetch);
    expect(source.calls()).toBe(1);
    await cache.obtain({ ...KEY, durationSeconds: 3600 }, source.fetch);
    await cache.obtain({ ...KEY, brokerUrl: 'http://127.0.0.1:9090' }, source.fetch);
    expect(source.calls()).toBe(3);

    // Later, the same entry is too close to expiry.
    const later = new CredentialCache(env, () => Date.now() + 2 * 60_000);
    await later.obtain(KEY, source.fetch);
    expect(source.calls()).toBe(4);
  });

  it('refuses a cache file that is a symbolic link, without reading its target', async () => {
    const cache = new CredentialCache(env);
    const { path } = await seeded(cache);
    const target = join(root, 'elsewhere.json');
    writeFileSync(target, readFileSync(path), { mode: 0o600 });
    rmSync(path);
    symlinkSync(target, path);
    const source = counting();
    await expect(cache.obtain(KEY, source.fetch)).rejects.toThrow(UnsafeCacheError);
    await expect(cache.obtain(KEY, source.fetch)).rejects.toThrow(
      `refusing ${path}: it is a symbolic link; remove it`,
    );
    expect(source.calls()).toBe(0);
  });

  it('refuses a cache file someone else owns, even with fresh credentials in it', async () => {
    const cache = new CredentialCache(env);
    const { path } = await seeded(cache);
    // Only root can give a file away (the integration suite runs as root, as Samba AD's harness needs).
    expect(process.getuid?.()).toBe(0);
    chownSync(path, 65534, 65534);
    const source = counting();
    await expect(cache.obtain(KEY, source.fetch)).rejects.toThrow(
      'it belongs to user id 65534, not to you (0)',
    );
    expect(source.calls()).toBe(0);
  });

  it('refuses a cache file others may read', async () => {
    const cache = new CredentialCache(env);
    const { path } = await seeded(cache);
    chmodSync(path, 0o644);
    await expect(cache.obtain(KEY, counting().fetch)).rejects.toThrow('others have access to it (mode 644)');
  });

  it('refuses a cache directory that is a symbolic link, or open to others, or someone else’s', async () => {
    const real = join(root, 'real');
    mkdirSync(real, { mode: 0o700 });
    mkdirSync(env.XDG_CACHE_HOME ?? '', { mode: 0o700 });
    const directory = join(env.XDG_CACHE_HOME ?? '', 'fedgate');
    symlinkSync(real, directory);
    const cache = new CredentialCache(env);
    await expect(cache.obtain(KEY, counting().fetch)).rejects.toThrow(
      `refusing ${directory}: it is a symbolic link`,
    );
    expect(readdirSync(real)).toEqual([]);

    rmSync(directory);
    mkdirSync(directory, { mode: 0o700 });
    chmodSync(directory, 0o755);
    await expect(cache.obtain(KEY, counting().fetch)).rejects.toThrow('others have access to it (mode 755)');

    chmodSync(directory, 0o700);
    chownSync(directory, 65534, 65534);
    await expect(cache.obtain(KEY, counting().fetch)).rejects.toThrow('it belongs to user id 65534');
    expect(readdirSync(directory)).toEqual([]);
  });

  it('ignores an entry made for another key (a copied or planted file) and replaces it', async () => {
    const cache = new CredentialCache(env);
    const other = { ...KEY, permissionSet: 'Admin' };
    await cache.obtain(other, counting().fetch);
    writeFileSync(cache.filePath(KEY), readFileSync(cache.filePath(other)), { mode: 0o600 });
    const source = counting();
    const got = await cache.obtain(KEY, source.fetch);
    expect(source.calls()).toBe(1);
    expect(JSON.parse(readFileSync(cache.filePath(KEY), 'utf8'))).toMatchObject({
      permissionSet: 'Developer',
      credentials: got,
    });
  });

  it('lets one of 20 concurrent callers fetch; the others get its credentials', async () => {
    const caches = Array.from({ length: 20 }, () => new CredentialCache(env));
    const source = counting();
    const results = await Promise.all(caches.map((cache) => cache.obtain(KEY, source.fetch)));
    expect(source.calls()).toBe(1);
    expect(new Set(results.map((result) => result.AccessKeyId)).size).toBe(1);
  });

  it('takes over a lock whose holder died, or one older than any holder takes', async () => {
    const cache = new CredentialCache(env);
    await seeded(cache);
    const lock = cache.filePath(KEY).replace(/\.json$/, '.lock');
    const later = new CredentialCache(env, () => Date.now() + 3_600_000);

    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(lock, `${dead}\n${hostname()}\n`, { mode: 0o600 });
    const source = counting();
    await later.obtain(KEY, source.fetch, { waitMs: 2_000 });
    expect(source.calls()).toBe(1);

    writeFileSync(lock, `${process.pid}\n${hostname()}\n`, { mode: 0o600 });
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(lock, old, old);
    await new CredentialCache(env, () => Date.now() + 7_200_000).obtain(KEY, source.fetch, { waitMs: 2_000 });
    expect(source.calls()).toBe(2);
  });

  it('waits for a live holder and gives up naming the lock file, fetching nothing', async () => {
    const cache = new CredentialCache(env);
    const lock = join(cache.directory, 'held.lock');
    mkdirSync(cache.directory, { recursive: true, mode: 0o700 });
    const source = counting();
    await withFileLock(lock, async () => {
      await expect(withFileLock(lock, source.fetch, { waitMs: 300 })).rejects.toThrow(LockTimeoutError);
      await expect(withFileLock(lock, source.fetch, { waitMs: 300 })).rejects.toThrow(
        `another fedgate process holds ${lock}; if none is running, remove that file`,
      );
    });
    expect(source.calls()).toBe(0);
    await withFileLock(lock, source.fetch, { waitMs: 300 });
    expect(source.calls()).toBe(1);
  });

  it('forgets the entries of one broker only', async () => {
    const cache = new CredentialCache(env);
    await cache.obtain(KEY, counting().fetch);
    await cache.obtain({ ...KEY, brokerUrl: 'http://127.0.0.1:9090' }, counting().fetch);
    expect(await cache.forget(KEY.brokerUrl)).toBe(1);
    expect(await cache.read(KEY)).toBeUndefined();
    expect(await cache.read({ ...KEY, brokerUrl: 'http://127.0.0.1:9090' })).toBeDefined();
  });
});
