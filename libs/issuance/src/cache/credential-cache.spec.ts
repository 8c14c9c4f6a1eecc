import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

import { FedgateError } from '@fedgate/core';
import { DEFAULT_KEY_PREFIX, MemoryStore, type Store } from '@fedgate/store';

import type { IssuedCredentials } from '../issued-credentials';
import { CacheCipher } from './cache-cipher';
import { CredentialCache, type CachedCredentials, type CredentialCacheOptions } from './credential-cache';

const KEY = 'a'.repeat(64);
const OTHER_KEY = 'b'.repeat(64);
/** Where the cache keeps KEY's entry and lock (the lock under the store's own `lock:` namespace). */
const ENTRY = `issuance:credentials:${KEY}`;
const keyA = { id: 'a', key: randomBytes(32).toString('base64') };
const keyB = { id: 'b', key: randomBytes(32).toString('base64') };
const REFRESH_BEFORE_S = 900;
const HOUR_MS = 3_600_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Awaits the rejection and returns it, failing the test if the promise resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** A fake STS: counts calls and concurrency, numbers its credentials, optionally slow or failing. */
class FakeIssuer {
  calls = 0;
  active = 0;
  maxActive = 0;
  delayMs = 0;
  lifetimeMs = HOUR_MS;
  failWith: Error | undefined;

  constructor(private readonly now: () => number) {}

  readonly issue = async (): Promise<IssuedCredentials> => {
    this.calls++;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      await sleep(this.delayMs);
      if (this.failWith !== undefined) {
        throw this.failWith;
      }
      const n = this.calls;
      return {
        accessKeyId: `ASIAFAKE${String(n).padStart(8, '0')}`,
        secretAccessKey: `secret-${n}-${randomBytes(12).toString('hex')}`,
        sessionToken: `token-${n}-${randomBytes(24).toString('hex')}`,
        expiration: new Date(this.now() + this.lifetimeMs),
        accountId: '111111111111',
        kind: 'role',
        assumedRoleArn: 'arn:aws:sts::111111111111:assumed-role/Developer/alice.0123abcd',
      };
    } finally {
      this.active--;
    }
  };
}

describe('CredentialCache', () => {
  let clock: number;
  const now = (): number => clock;
  let store: MemoryStore;
  let sts: FakeIssuer;

  function cache(cipher = CacheCipher.fromConfig([keyA]), options: Partial<CredentialCacheOptions> = {}) {
    return new CredentialCache(store, cipher, {
      refreshBeforeSeconds: REFRESH_BEFORE_S,
      now,
      pollMs: 5,
      // Far above what any test needs, far below jest's timeout: a coalescing bug fails fast.
      waitMs: 5_000,
      ...options,
    });
  }

  beforeEach(() => {
    clock = Date.parse('2030-01-01T00:00:00Z');
    store = new MemoryStore({ now });
    sts = new FakeIssuer(now);
  });

  afterEach(async () => {
    await store.close();
  });

  it('issues on a miss, then serves the same credentials from the store, dates intact', async () => {
    const credentials = cache();
    const first = await credentials.getOrIssue(KEY, sts.issue);
    const second = await credentials.getOrIssue(KEY, sts.issue);

    expect(first.source).toBe('issued');
    expect(second.source).toBe('cache');
    expect(second.credentials).toEqual(first.credentials);
    expect(second.credentials.expiration).toBeInstanceOf(Date);
    expect(second.credentials.expiration.getTime()).toBe(clock + HOUR_MS);
    expect(sts.calls).toBe(1);
  });

  it('serves a hit to another instance sharing the store (a restarted or second replica)', async () => {
    const first = await cache().getOrIssue(KEY, sts.issue);
    const second = await cache().getOrIssue(KEY, sts.issue);
    expect(second).toEqual({ credentials: first.credentials, source: 'cache' });
    expect(sts.calls).toBe(1);
  });

  it('keeps entries of different keys apart', async () => {
    const credentials = cache();
    const first = await credentials.getOrIssue(KEY, sts.issue);
    const other = await credentials.getOrIssue(OTHER_KEY, sts.issue);
    expect(other.source).toBe('issued');
    expect(other.credentials.secretAccessKey).not.toBe(first.credentials.secretAccessKey);
  });

  it('serves an entry while more than refreshBefore remains, and refreshes it after', async () => {
    const credentials = cache();
    const first = await credentials.getOrIssue(KEY, sts.issue);
    const refreshAt = first.credentials.expiration.getTime() - REFRESH_BEFORE_S * 1000;

    clock = refreshAt - 1;
    expect(await credentials.getOrIssue(KEY, sts.issue)).toEqual({
      credentials: first.credentials,
      source: 'cache',
    });

    clock = refreshAt;
    const refreshed = await credentials.getOrIssue(KEY, sts.issue);
    expect(refreshed.source).toBe('issued');
    expect(refreshed.credentials.secretAccessKey).not.toBe(first.credentials.secretAccessKey);
    expect(refreshed.credentials.expiration.getTime()).toBe(refreshAt + HOUR_MS);
    expect(sts.calls).toBe(2);
    expect((await credentials.getOrIssue(KEY, sts.issue)).credentials).toEqual(refreshed.credentials);
  });

  it('stores an entry only until expiration minus refreshBefore', async () => {
    await cache().getOrIssue(KEY, sts.issue);
    expect(await store.ttl(ENTRY)).toBe(HOUR_MS - REFRESH_BEFORE_S * 1000);
  });

  it('checks the time left on every read, not only through the store TTL', async () => {
    await cache().getOrIssue(KEY, sts.issue); // stored for 45 minutes
    clock += 40 * 60_000; // 20 minutes left, the entry still in the store
    expect(await store.get(ENTRY)).not.toBeNull();
    const stricter = cache(undefined, { refreshBeforeSeconds: 30 * 60 });
    expect((await stricter.getOrIssue(KEY, sts.issue)).source).toBe('issued');
    expect(sts.calls).toBe(2);
  });

  it('does not store credentials that already have refreshBefore or less left', async () => {
    sts.lifetimeMs = REFRESH_BEFORE_S * 1000;
    const credentials = cache();
    expect((await credentials.getOrIssue(KEY, sts.issue)).source).toBe('issued');
    expect(await store.get(ENTRY)).toBeNull();
    expect((await credentials.getOrIssue(KEY, sts.issue)).source).toBe('issued');
    expect(sts.calls).toBe(2);
  });

  it('makes 100 concurrent identical requests share one issue()', async () => {
    sts.delayMs = 20;
    const credentials = cache();
    const acquireLock = jest.spyOn(store, 'acquireLock');
    const results = await Promise.all(
      Array.from({ length: 100 }, () => credentials.getOrIssue(KEY, sts.issue)),
    );

    expect(sts.calls).toBe(1);
    // Coalesced inside the process: one lookup and one lock, not 100 callers polling the store.
    expect(acquireLock).toHaveBeenCalledTimes(1);
    expect(results.filter((result) => result.source === 'issued')).toHaveLength(1);
    expect(results.filter((result) => result.source === 'coalesced')).toHaveLength(99);
    for (const result of results) {
      expect(result.credentials).toEqual(results[0]!.credentials);
    }
  });

  it('gives every caller its own copy', async () => {
    sts.delayMs = 5;
    const credentials = cache();
    const [first, second] = await Promise.all([
      credentials.getOrIssue(KEY, sts.issue),
      credentials.getOrIssue(KEY, sts.issue),
    ]);
    first.credentials.expiration.setTime(0);
    first.credentials.secretAccessKey = 'changed';
    expect(second.credentials.expiration.getTime()).toBe(clock + HOUR_MS);
    expect(second.credentials.secretAccessKey).not.toBe('changed');
  });

  it('makes two replicas on one store share one issue() for 50 concurrent requests each', async () => {
    sts.delayMs = 50;
    const replicaA = cache();
    const replicaB = new CredentialCache(
      store.withKeyPrefix(DEFAULT_KEY_PREFIX),
      CacheCipher.fromConfig([keyA]),
      {
        refreshBeforeSeconds: REFRESH_BEFORE_S,
        now,
        pollMs: 5,
      },
    );
    const requests: Promise<CachedCredentials>[] = [];
    for (let i = 0; i < 50; i++) {
      requests.push(replicaA.getOrIssue(KEY, sts.issue), replicaB.getOrIssue(KEY, sts.issue));
    }
    const results = await Promise.all(requests);

    expect(sts.calls).toBe(1);
    expect(results.filter((result) => result.source === 'issued')).toHaveLength(1);
    for (const result of results) {
      expect(result.credentials).toEqual(results[0]!.credentials);
    }
  });

  it('re-checks the cache after taking the lock, for an entry written since its first look', async () => {
    const earlier = await cache().getOrIssue(KEY, sts.issue);
    // This replica's first look comes just before another replica's write lands.
    jest.spyOn(store, 'get').mockResolvedValueOnce(null);
    const result = await cache().getOrIssue(KEY, sts.issue);
    expect(result).toEqual({ credentials: earlier.credentials, source: 'coalesced' });
    expect(sts.calls).toBe(1);
  });

  describe('decrypting each entry once', () => {
    /** A real cipher whose decryptions are counted. */
    function countingCipher(): { cipher: CacheCipher; decryptions: () => number } {
      const cipher = CacheCipher.fromConfig([keyA]);
      const decrypt = cipher.decrypt.bind(cipher);
      let count = 0;
      cipher.decrypt = (sealed, aad) => {
        count += 1;
        return decrypt(sealed, aad);
      };
      return { cipher, decryptions: () => count };
    }

    it('decrypts a stored entry once while the store answers the same text', async () => {
      const { cipher, decryptions } = countingCipher();
      const reader = cache(cipher);
      const issued = await cache().getOrIssue(KEY, sts.issue); // written by another replica
      for (let i = 0; i < 5; i += 1) {
        const hit = await reader.getOrIssue(KEY, sts.issue);
        expect(hit).toEqual({ credentials: issued.credentials, source: 'cache' });
      }
      expect(decryptions()).toBe(1);
    });

    it('never serves an entry the store no longer has (purged), though it was decrypted before', async () => {
      const credentials = cache();
      const first = await credentials.getOrIssue(KEY, sts.issue);
      expect((await credentials.getOrIssue(KEY, sts.issue)).source).toBe('cache');
      await store.delete(ENTRY);
      const after = await credentials.getOrIssue(KEY, sts.issue);
      expect(after.source).toBe('issued');
      expect(after.credentials.accessKeyId).not.toBe(first.credentials.accessKeyId);
    });

    it('serves what another replica rewrote, not what it decrypted before', async () => {
      const { cipher, decryptions } = countingCipher();
      const reader = cache(cipher);
      await reader.getOrIssue(KEY, sts.issue);
      await reader.getOrIssue(KEY, sts.issue);
      await store.delete(ENTRY);
      const rewritten = await cache().getOrIssue(KEY, sts.issue);
      const read = await reader.getOrIssue(KEY, sts.issue);
      expect(read).toEqual({ credentials: rewritten.credentials, source: 'cache' });
      expect(decryptions()).toBe(2);
    });

    it('still measures the time left on every read of a remembered entry', async () => {
      const credentials = cache();
      await credentials.getOrIssue(KEY, sts.issue);
      expect((await credentials.getOrIssue(KEY, sts.issue)).source).toBe('cache');
      clock += HOUR_MS - REFRESH_BEFORE_S * 1000; // exactly refreshBefore left: no longer served
      expect((await credentials.getOrIssue(KEY, sts.issue)).source).toBe('issued');
    });

    it('gives every caller its own copy of a remembered entry', async () => {
      const credentials = cache();
      await credentials.getOrIssue(KEY, sts.issue);
      const mine = await credentials.getOrIssue(KEY, sts.issue);
      mine.credentials.secretAccessKey = 'changed';
      mine.credentials.expiration.setTime(0);
      const yours = await credentials.getOrIssue(KEY, sts.issue);
      expect(yours.credentials.secretAccessKey).not.toBe('changed');
      expect(yours.credentials.expiration.getTime()).toBe(clock + HOUR_MS);
    });
  });

  describe('encryption at rest', () => {
    it('stores no credential in the clear', async () => {
      const { credentials } = await cache().getOrIssue(KEY, sts.issue);
      const stored = (await store.get(ENTRY))!;
      expect(stored).toMatch(/^v1\.a\./);
      for (const value of [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken]) {
        expect(stored).not.toContain(value);
      }
    });

    it('reads entries of an older key that is still listed, and misses once it is removed', async () => {
      const first = await cache(CacheCipher.fromConfig([keyA])).getOrIssue(KEY, sts.issue);

      const rotated = await cache(CacheCipher.fromConfig([keyB, keyA])).getOrIssue(KEY, sts.issue);
      expect(rotated).toEqual({ credentials: first.credentials, source: 'cache' });
      expect(sts.calls).toBe(1);

      const onlyB = cache(CacheCipher.fromConfig([keyB]));
      const reissued = await onlyB.getOrIssue(KEY, sts.issue);
      expect(reissued.source).toBe('issued');
      expect(sts.calls).toBe(2);
      // The unreadable entry was overwritten under the new key.
      expect(await store.get(ENTRY)).toMatch(/^v1\.b\./);
      expect((await onlyB.getOrIssue(KEY, sts.issue)).credentials).toEqual(reissued.credentials);
    });

    it('treats a tampered entry as a miss and overwrites it', async () => {
      const credentials = cache();
      await credentials.getOrIssue(KEY, sts.issue);
      const sealed = (await store.get(ENTRY))!;
      const flipped = sealed.slice(0, -10) + (sealed.at(-10) === 'A' ? 'B' : 'A') + sealed.slice(-9);
      await store.set(ENTRY, flipped, HOUR_MS);

      const again = await credentials.getOrIssue(KEY, sts.issue);
      expect(again.source).toBe('issued');
      expect(sts.calls).toBe(2);
      expect(await store.get(ENTRY)).not.toBe(flipped);
      expect((await credentials.getOrIssue(KEY, sts.issue)).source).toBe('cache');
    });

    it('does not serve an entry copied to another key', async () => {
      const credentials = cache();
      await credentials.getOrIssue(KEY, sts.issue);
      await store.set(`issuance:credentials:${OTHER_KEY}`, (await store.get(ENTRY))!, HOUR_MS);
      expect((await credentials.getOrIssue(OTHER_KEY, sts.issue)).source).toBe('issued');
    });

    it('does not serve credentials someone wrote in the clear', async () => {
      const planted = JSON.stringify({
        accessKeyId: 'ASIAPLANTED',
        secretAccessKey: 'planted',
        sessionToken: 'planted',
        expiration: clock + HOUR_MS,
        accountId: '111111111111',
        kind: 'role',
      });
      await store.set(ENTRY, planted, HOUR_MS);
      const result = await cache().getOrIssue(KEY, sts.issue);
      expect(result.source).toBe('issued');
      expect(result.credentials.accessKeyId).not.toBe('ASIAPLANTED');
    });

    it('treats a decryptable entry that is not credentials as a miss', async () => {
      const cipher = CacheCipher.fromConfig([keyA]);
      await store.set(
        ENTRY,
        cipher.encrypt(JSON.stringify({ accessKeyId: 'x', kind: 'role' }), KEY),
        HOUR_MS,
      );
      expect((await cache(cipher).getOrIssue(KEY, sts.issue)).source).toBe('issued');
    });
  });

  describe('a read started ahead (lookup)', () => {
    /** The store with its reads counted as they are called. */
    function countingReads(): { store: Store; reads: () => number } {
      let reads = 0;
      const counted = Object.assign(Object.create(store) as MemoryStore, {
        get: (key: string) => {
          reads += 1;
          return store.get(key);
        },
      });
      return { store: counted, reads: () => reads };
    }

    function cacheOn(target: Store): CredentialCache {
      return new CredentialCache(target, CacheCipher.fromConfig([keyA]), {
        refreshBeforeSeconds: REFRESH_BEFORE_S,
        now,
        pollMs: 5,
        waitMs: 5_000,
      });
    }

    it('issues its read before returning, and getOrIssue serves that read without another', async () => {
      const { store: counted, reads } = countingReads();
      const credentials = cacheOn(counted);
      const first = await credentials.getOrIssue(KEY, sts.issue);
      const before = reads();

      const lookup = credentials.lookup(KEY);
      expect(reads()).toBe(before + 1);
      expect(await credentials.getOrIssue(KEY, sts.issue, undefined, lookup)).toEqual({
        credentials: first.credentials,
        source: 'cache',
      });
      expect(reads()).toBe(before + 1);
      expect(sts.calls).toBe(1);
    });

    it('decrypts nothing for a lookup that is never served', async () => {
      const cipher = CacheCipher.fromConfig([keyA]);
      await cache(cipher).getOrIssue(KEY, sts.issue);
      const decrypt = jest.spyOn(cipher, 'decrypt');
      const credentials = cache(cipher);
      credentials.lookup(KEY);
      await sleep(5);
      expect(decrypt).not.toHaveBeenCalled();
      await credentials.getOrIssue(KEY, sts.issue, undefined, credentials.lookup(KEY));
      expect(decrypt).toHaveBeenCalledTimes(1);
    });

    it('shares one read among lookups of a key made while it is on its way', async () => {
      const { store: counted, reads } = countingReads();
      const credentials = cacheOn(counted);
      await credentials.getOrIssue(KEY, sts.issue);
      const before = reads();
      const lookups = [credentials.lookup(KEY), credentials.lookup(KEY), credentials.lookup(OTHER_KEY)];
      expect(reads()).toBe(before + 2);
      const served = await Promise.all(
        lookups.map((lookup) => credentials.getOrIssue(lookup.key, sts.issue, undefined, lookup)),
      );
      expect(served.map((result) => result.source)).toEqual(['cache', 'cache', 'issued']);
      // Answered: the next lookup reads again.
      const answered = reads();
      credentials.lookup(KEY);
      expect(reads()).toBe(answered + 1);
    });

    it('goes on from a miss to one issue() for concurrent callers, as without a lookup', async () => {
      sts.delayMs = 10;
      const credentials = cache();
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          credentials.getOrIssue(KEY, sts.issue, undefined, credentials.lookup(KEY)),
        ),
      );
      expect(sts.calls).toBe(1);
      expect(results.map((result) => result.source).sort()).toEqual([
        ...Array.from({ length: 9 }, () => 'coalesced'),
        'issued',
      ]);
    });

    it('never serves a read of an entry that is no longer servable', async () => {
      const credentials = cache();
      const first = await credentials.getOrIssue(KEY, sts.issue);
      clock = first.credentials.expiration.getTime() - REFRESH_BEFORE_S * 1000;
      const refreshed = await credentials.getOrIssue(KEY, sts.issue, undefined, credentials.lookup(KEY));
      expect(refreshed.source).toBe('issued');
      expect(refreshed.credentials.secretAccessKey).not.toBe(first.credentials.secretAccessKey);
    });

    it('fails closed with store_unavailable, without issue(), when its read fails; a dropped one is no unhandled rejection', async () => {
      const credentials = cache();
      await store.close();
      credentials.lookup(KEY);
      const error = await rejectionOf(
        credentials.getOrIssue(KEY, sts.issue, undefined, credentials.lookup(KEY)),
      );
      expect(error).toMatchObject({ code: 'store_unavailable' });
      expect(sts.calls).toBe(0);
      // Jest fails the test on an unhandled rejection: let the dropped lookup's surface here if any.
      await sleep(20);
    });

    it('refuses a lookup of another key or of another cache, and a key that is not a cache key', async () => {
      const credentials = cache();
      await expect(
        credentials.getOrIssue(KEY, sts.issue, undefined, credentials.lookup(OTHER_KEY)),
      ).rejects.toThrow(RangeError);
      await expect(credentials.getOrIssue(KEY, sts.issue, undefined, cache().lookup(KEY))).rejects.toThrow(
        RangeError,
      );
      await expect(credentials.getOrIssue(KEY, sts.issue, undefined, { key: KEY })).rejects.toThrow(
        RangeError,
      );
      expect(() => credentials.lookup('alice:prod')).toThrow(RangeError);
      expect(sts.calls).toBe(0);
    });
  });

  describe('failures', () => {
    it('gives every waiting caller the issue() error once, and the next call tries again', async () => {
      sts.delayMs = 10;
      sts.failWith = new FedgateError('upstream_throttled', 'STS is throttling');
      const credentials = cache();
      const errors = await Promise.all(
        Array.from({ length: 10 }, () => rejectionOf(credentials.getOrIssue(KEY, sts.issue))),
      );
      expect(sts.calls).toBe(1);
      for (const error of errors) {
        expect(error).toBe(sts.failWith);
      }
      // The lock was released: another replica can take it at once.
      const lock = await store.acquireLock(ENTRY, 1000);
      expect(lock).not.toBeNull();
      await lock!.release();

      sts.failWith = undefined;
      expect((await credentials.getOrIssue(KEY, sts.issue)).source).toBe('issued');
      expect(sts.calls).toBe(2);
    });

    it('lets a waiting replica issue, one at a time, when the lock holder failed', async () => {
      sts.delayMs = 30;
      const failing = new FedgateError('upstream_unavailable', 'STS did not answer');
      let firstCall = true;
      const issue = (): Promise<IssuedCredentials> => {
        sts.failWith = firstCall ? failing : undefined;
        firstCall = false;
        return sts.issue();
      };
      const replicaA = cache();
      const replicaB = cache();
      const fromA = rejectionOf(replicaA.getOrIssue(KEY, issue));
      await sleep(5);
      const fromB = replicaB.getOrIssue(KEY, issue);

      expect(await fromA).toBe(failing);
      expect((await fromB).source).toBe('issued');
      expect(sts.calls).toBe(2);
      expect(sts.maxActive).toBe(1);
    });

    it('fails closed with store_unavailable, without calling issue(), when the store is down', async () => {
      const credentials = cache();
      await store.close();
      const error = await rejectionOf(credentials.getOrIssue(KEY, sts.issue));
      expect(error).toBeInstanceOf(FedgateError);
      expect(error).toMatchObject({ code: 'store_unavailable' });
      expect(sts.calls).toBe(0);
    });

    it('fails closed when the entry cannot be written after issuing', async () => {
      const down = new FedgateError('store_unavailable', 'The session store is unreachable');
      const failingWrites: Store = Object.assign(Object.create(store) as MemoryStore, {
        set: () => Promise.reject(down),
      });
      const credentials = new CredentialCache(failingWrites, CacheCipher.fromConfig([keyA]), {
        refreshBeforeSeconds: REFRESH_BEFORE_S,
        now,
      });
      const error = await rejectionOf(credentials.getOrIssue(KEY, sts.issue));
      expect(error).toBe(down);
      expect(sts.calls).toBe(1);
      // The lock was released all the same.
      expect(await store.acquireLock(ENTRY, 1000)).not.toBeNull();
    });

    it('gives up with upstream_unavailable after waitMs while another replica holds the lock', async () => {
      const held = await store.acquireLock(ENTRY, 60_000);
      expect(held).not.toBeNull();
      const started = Date.now();
      const error = await rejectionOf(cache(undefined, { waitMs: 150 }).getOrIssue(KEY, sts.issue));
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(error).toBeInstanceOf(FedgateError);
      expect(error).toMatchObject({ code: 'upstream_unavailable' });
      expect(inspect(error)).not.toContain(KEY);
      expect(sts.calls).toBe(0);
    });

    it('takes the lock and issues once another replica frees it without writing an entry', async () => {
      const held = (await store.acquireLock(ENTRY, 60_000))!;
      const waiting = cache().getOrIssue(KEY, sts.issue);
      await sleep(40);
      expect(sts.calls).toBe(0);
      await held.release();
      expect((await waiting).source).toBe('issued');
      expect(sts.calls).toBe(1);
    });

    it('keeps the lock alive while a slow issue() runs, so a second replica does not issue too', async () => {
      // Real time here: the lock expires against the store clock unless the holder extends it.
      const realStore = new MemoryStore();
      const realSts = new FakeIssuer(Date.now);
      realSts.delayMs = 250;
      const options = { refreshBeforeSeconds: REFRESH_BEFORE_S, lockTtlMs: 60, pollMs: 5 };
      const replicaA = new CredentialCache(realStore, CacheCipher.fromConfig([keyA]), options);
      const replicaB = new CredentialCache(realStore, CacheCipher.fromConfig([keyA]), options);
      try {
        const first = replicaA.getOrIssue(KEY, realSts.issue);
        await sleep(10);
        const [a, b] = await Promise.all([first, replicaB.getOrIssue(KEY, realSts.issue)]);
        expect(realSts.calls).toBe(1);
        expect(a.source).toBe('issued');
        expect(b).toEqual({ credentials: a.credentials, source: 'coalesced' });
      } finally {
        await realStore.close();
      }
    });

    it('rejects a key that is not a credentialCacheKey, before touching the store or STS', async () => {
      await expect(cache().getOrIssue('alice:prod', sts.issue)).rejects.toThrow(RangeError);
      expect(store.size).toBe(0);
      expect(sts.calls).toBe(0);
    });

    it('rejects nonsensical options', () => {
      const cipher = CacheCipher.ephemeral();
      expect(() => new CredentialCache(store, cipher, { refreshBeforeSeconds: -1 })).toThrow(RangeError);
      expect(() => new CredentialCache(store, cipher, { refreshBeforeSeconds: 900, lockTtlMs: 0 })).toThrow(
        RangeError,
      );
      expect(() => new CredentialCache(store, cipher, { refreshBeforeSeconds: 900, pollMs: 0 })).toThrow(
        RangeError,
      );
      expect(
        () => new CredentialCache(store, cipher, { refreshBeforeSeconds: 900, waitMs: Number.NaN }),
      ).toThrow(RangeError);
    });
  });
});
