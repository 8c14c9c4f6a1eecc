import { randomUUID } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { FedgateError } from '@fedgate/core';

import { LockTimeoutError } from './errors';
import type { BoundedCounter, Store, StoreLock } from './store';

/**
 * The behaviour every Store implementation must share, written once and run
 * against each of them (memory in the unit tests, a real redis-server in the
 * integration tests). Uses real, short TTLs and sleeps, so it tests what
 * callers see rather than how an implementation keeps time.
 */

export interface StoreUnderTest {
  store: Store;
  /** Closes the store and releases anything the factory set up for it. */
  cleanup(): Promise<void>;
}

/**
 * Opens a store with the given key prefix. All stores a factory opens during
 * one test must share one backend (one Redis, one memory), as separate
 * processes would: the prefix-isolation tests check that they do, so a
 * factory that hands out unrelated backends fails rather than passing
 * vacuously.
 */
export type StoreFactory = (options: { keyPrefix: string }) => Promise<StoreUnderTest>;

const INVALID_TTLS: readonly number[] = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY];
const LONG_TTL = 60_000;
/** How long the window tests wait between increments: a few hundred ms, far above a round trip. */
const PAUSE_MS = 400;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The value, failing the test when it is null or undefined (the contract file is not exempt from no-non-null-assertion). */
function present<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) {
    throw new Error('expected a value, got ' + String(value));
  }
  return value;
}

async function expectStoreUnavailable(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(FedgateError);
  await promise.catch((error: unknown) => {
    expect(error).toMatchObject({ code: 'store_unavailable' });
  });
}

export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(`${name} honours the Store contract`, () => {
    let opened: StoreUnderTest[] = [];
    // A fresh namespace per test, so tests never see each other's keys on a shared backend.
    let testPrefix = '';

    beforeEach(() => {
      testPrefix = `contract:${randomUUID()}:`;
    });

    afterEach(async () => {
      const closing = opened;
      opened = [];
      await Promise.all(closing.map((entry) => entry.cleanup()));
    });

    /** A store under this test's namespace; the same suffix means the same keys. */
    async function open(suffix = ''): Promise<Store> {
      const entry = await factory({ keyPrefix: `${testPrefix}${suffix}` });
      opened.push(entry);
      return entry.store;
    }

    describe('get / set', () => {
      it('returns null for a key that was never written', async () => {
        const store = await open();
        expect(await store.get('missing')).toBeNull();
      });

      it('returns what was written, byte for byte', async () => {
        const store = await open();
        const values = {
          empty: '',
          unicode: 'ünïcødé ✓ 🔐 \u0000 nul and\nnewline',
          json: JSON.stringify({ subject: 'abc', groups: ['a', 'b'] }),
          large: 'x'.repeat(100_000),
        };
        for (const [key, value] of Object.entries(values)) {
          await store.set(key, value, LONG_TTL);
        }
        for (const [key, value] of Object.entries(values)) {
          expect(await store.get(key)).toBe(value);
        }
      });

      it('keeps keys with spaces, colons and non-ASCII characters apart', async () => {
        const store = await open();
        const keys = ['a b', 'a:b', 'a', 'ä', 'session:ä:1', ''];
        for (const [index, key] of keys.entries()) {
          await store.set(key, `value-${index}`, LONG_TTL);
        }
        for (const [index, key] of keys.entries()) {
          expect(await store.get(key)).toBe(`value-${index}`);
        }
      });

      it('overwrites both the value and the TTL', async () => {
        const store = await open();
        await store.set('k', 'first', LONG_TTL);
        await store.set('k', 'second', 100);
        expect(await store.get('k')).toBe('second');
        const remaining = await store.ttl('k');
        expect(remaining).toBeGreaterThan(0);
        expect(remaining).toBeLessThanOrEqual(100);
        await sleep(160);
        expect(await store.get('k')).toBeNull();
      });

      it('forgets a value once its TTL has passed', async () => {
        const store = await open();
        await store.set('k', 'v', 80);
        expect(await store.get('k')).toBe('v');
        await sleep(150);
        expect(await store.get('k')).toBeNull();
        expect(await store.ttl('k')).toBeNull();
      });
    });

    describe('setIfAbsent', () => {
      it('writes only the first time', async () => {
        const store = await open();
        expect(await store.setIfAbsent('k', 'first', LONG_TTL)).toBe(true);
        expect(await store.setIfAbsent('k', 'second', LONG_TTL)).toBe(false);
        expect(await store.get('k')).toBe('first');
      });

      it('does not overwrite a key written by set', async () => {
        const store = await open();
        await store.set('k', 'existing', LONG_TTL);
        expect(await store.setIfAbsent('k', 'new', LONG_TTL)).toBe(false);
        expect(await store.get('k')).toBe('existing');
      });

      it('leaves the TTL of the existing key alone when it does not write', async () => {
        const store = await open();
        await store.setIfAbsent('k', 'first', 500);
        await store.setIfAbsent('k', 'second', LONG_TTL);
        expect(await store.ttl('k')).toBeLessThanOrEqual(500);
      });

      it('writes again once the earlier value has expired', async () => {
        const store = await open();
        expect(await store.setIfAbsent('k', 'first', 80)).toBe(true);
        await sleep(150);
        expect(await store.setIfAbsent('k', 'second', LONG_TTL)).toBe(true);
        expect(await store.get('k')).toBe('second');
      });

      it('lets exactly one of many concurrent writers from two clients win', async () => {
        const [one, two] = [await open(), await open()];
        const attempts = Array.from({ length: 60 }, (_, index) =>
          (index % 2 === 0 ? one : two).setIfAbsent('replay:id', `writer-${index}`, LONG_TTL),
        );
        const results = await Promise.all(attempts);
        const winners = results.flatMap((won, index) => (won ? [index] : []));
        expect(winners).toHaveLength(1);
        expect(await one.get('replay:id')).toBe(`writer-${present(winners[0])}`);
      });
    });

    describe('delete', () => {
      it('reports whether something was deleted', async () => {
        const store = await open();
        await store.set('k', 'v', LONG_TTL);
        expect(await store.delete('k')).toBe(true);
        expect(await store.get('k')).toBeNull();
        expect(await store.delete('k')).toBe(false);
        expect(await store.delete('never-written')).toBe(false);
      });

      it('finds nothing to delete once the key has expired', async () => {
        const store = await open();
        await store.set('k', 'v', 50);
        await sleep(120);
        expect(await store.delete('k')).toBe(false);
      });
    });

    describe('sets with expiring members', () => {
      it('lists what was added, once each, and removes members', async () => {
        const store = await open();
        expect(await store.setMembers('s')).toEqual([]);
        await store.addToSet('s', 'a', LONG_TTL);
        await store.addToSet('s', 'b', LONG_TTL);
        await store.addToSet('s', 'a', LONG_TTL);
        expect((await store.setMembers('s')).sort()).toEqual(['a', 'b']);
        expect(await store.removeFromSet('s', 'a')).toBe(true);
        expect(await store.removeFromSet('s', 'a')).toBe(false);
        expect(await store.setMembers('s')).toEqual(['b']);
      });

      it('lets each member expire on its own, the set living as long as its longest-lived member', async () => {
        const store = await open();
        await store.addToSet('s', 'short', 50);
        await store.addToSet('s', 'long', 400);
        await sleep(150);
        expect(await store.setMembers('s')).toEqual(['long']);
        expect(present(await store.ttl('s'))).toBeGreaterThan(0);
        await sleep(350);
        expect(await store.setMembers('s')).toEqual([]);
        expect(await store.ttl('s')).toBeNull();
      });

      it('keeps the later end when a member is added again', async () => {
        const store = await open();
        await store.addToSet('s', 'm', 400);
        await store.addToSet('s', 'm', 50);
        await sleep(150);
        expect(await store.setMembers('s')).toEqual(['m']);
      });

      it('refuses an invalid TTL with RangeError, adding nothing', async () => {
        const store = await open();
        for (const ttl of INVALID_TTLS) {
          await expect(store.addToSet('s', 'm', ttl)).rejects.toThrow(RangeError);
        }
        expect(await store.setMembers('s')).toEqual([]);
      });
    });

    describe('increment', () => {
      it('counts from 1', async () => {
        const store = await open();
        expect(await store.increment('n', LONG_TTL)).toBe(1);
        expect(await store.increment('n', LONG_TTL)).toBe(2);
        expect(await store.increment('n', LONG_TTL)).toBe(3);
        expect(await store.get('n')).toBe('3');
      });

      it('hands out 1..200 exactly once each to 200 concurrent callers on two clients', async () => {
        const [one, two] = [await open(), await open()];
        const counts = await Promise.all(
          Array.from({ length: 200 }, (_, index) => (index % 2 === 0 ? one : two).increment('n', LONG_TTL)),
        );
        expect([...counts].sort((a, b) => a - b)).toEqual(
          Array.from({ length: 200 }, (_, index) => index + 1),
        );
      });

      it('sets the TTL when the counter is created and never extends it', async () => {
        const store = await open();
        await store.increment('window', 500);
        await sleep(150);
        await store.increment('window', LONG_TTL);
        expect(await store.increment('window', LONG_TTL)).toBe(3);
        const remaining = await store.ttl('window');
        expect(remaining).toBeGreaterThan(0);
        expect(remaining).toBeLessThanOrEqual(360);
        await sleep(present(remaining) + 100);
        expect(await store.get('window')).toBeNull();
        expect(await store.increment('window', LONG_TTL)).toBe(1);
      });

      it('counts on from an integer written by set and keeps its TTL', async () => {
        const store = await open();
        await store.set('n', '41', 1_000);
        expect(await store.increment('n', LONG_TTL)).toBe(42);
        expect(await store.ttl('n')).toBeLessThanOrEqual(1_000);
      });

      it('refuses to count a value that is not an integer and leaves it as it was', async () => {
        const store = await open();
        await store.set('n', 'not a number', LONG_TTL);
        const failure = store.increment('n', LONG_TTL);
        await expect(failure).rejects.toBeInstanceOf(FedgateError);
        await failure.catch((error: unknown) => {
          expect(error).toMatchObject({ code: 'internal' });
        });
        expect(await store.get('n')).toBe('not a number');
      });
    });

    describe('incrementBelowLimits', () => {
      const counters = (limits: [number, number]) => [
        { key: 'a', limit: limits[0], ttlMs: LONG_TTL, window: 'fixed' as const },
        { key: 'b', limit: limits[1], ttlMs: LONG_TTL, window: 'fixed' as const },
      ];

      it('adds one to every counter while all are below their limits', async () => {
        const store = await open();
        expect(await store.incrementBelowLimits(counters([5, 5]))).toEqual({ taken: true, counts: [1, 1] });
        expect(await store.incrementBelowLimits(counters([5, 5]))).toEqual({ taken: true, counts: [2, 2] });
        expect(await store.get('a')).toBe('2');
        expect(await store.incrementBelowLimits([])).toEqual({ taken: true, counts: [] });
      });

      it('changes nothing when one counter is at its limit, and names it with its remaining TTL', async () => {
        const store = await open();
        await store.set('b', '3', 5_000);
        const refused = await store.incrementBelowLimits(counters([10, 3]));
        expect(refused).toMatchObject({ taken: false, full: 1 });
        const { ttlMs } = refused as { ttlMs: number };
        expect(ttlMs).toBeGreaterThan(4_000);
        expect(ttlMs).toBeLessThanOrEqual(5_000);
        expect(await store.get('a')).toBeNull();
        expect(await store.get('b')).toBe('3');
      });

      it('never passes a limit, however many callers race on two clients', async () => {
        const [one, two] = [await open(), await open()];
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, index) =>
            (index % 2 === 0 ? one : two).incrementBelowLimits([
              { key: `own:${index % 4}`, limit: 50, ttlMs: LONG_TTL, window: 'fixed' },
              { key: 'shared', limit: 7, ttlMs: LONG_TTL, window: 'fixed' },
            ]),
          ),
        );
        expect(results.filter((result) => result.taken)).toHaveLength(7);
        expect(await one.get('shared')).toBe('7');
        const owns = await Promise.all([0, 1, 2, 3].map((index) => one.get(`own:${index}`)));
        expect(owns.reduce((sum, value) => sum + Number(value ?? 0), 0)).toBe(7);
      });

      it('restarts an extending window at every increment', async () => {
        const store = await open();
        const counter = [{ key: 'w', limit: 10, ttlMs: 300, window: 'extending' as const }];
        await store.incrementBelowLimits(counter);
        await sleep(200);
        await store.incrementBelowLimits(counter);
        await sleep(200);
        expect(await store.get('w')).toBe('2');
        await sleep(200);
        expect(await store.get('w')).toBeNull();
      });

      // The pause is far longer than any two store round trips, so the relations below hold however
      // slow the backend is: a fixed window's TTL keeps shrinking, an extending one's starts over.
      it("keeps a fixed window's first expiry and moves an extending window's at a later increment", async () => {
        const store = await open();
        const taken = await store.incrementBelowLimits([
          { key: 'fixed', limit: 10, ttlMs: LONG_TTL, window: 'fixed' },
          { key: 'extending', limit: 10, ttlMs: LONG_TTL, window: 'extending' },
        ]);
        expect(taken).toEqual({ taken: true, counts: [1, 1] });
        const fixedBefore = present(await store.ttl('fixed'));
        const extendingBefore = present(await store.ttl('extending'));
        await sleep(PAUSE_MS);
        const fixedLater = present(await store.ttl('fixed'));
        const extendingLater = present(await store.ttl('extending'));
        await store.incrementBelowLimits([
          { key: 'fixed', limit: 10, ttlMs: LONG_TTL, window: 'fixed' },
          { key: 'extending', limit: 10, ttlMs: LONG_TTL, window: 'extending' },
        ]);
        const fixedAfter = present(await store.ttl('fixed'));
        const extendingAfter = present(await store.ttl('extending'));
        // Both windows ran down during the pause.
        expect(fixedLater).toBeLessThan(fixedBefore - PAUSE_MS / 2);
        expect(extendingLater).toBeLessThan(extendingBefore - PAUSE_MS / 2);
        // The second increment left the fixed window's end where it was and moved the extending one's.
        expect(fixedAfter).toBeLessThanOrEqual(fixedLater);
        expect(fixedAfter).toBeLessThan(fixedBefore - PAUSE_MS / 2);
        expect(extendingAfter).toBeGreaterThan(extendingLater + PAUSE_MS / 2);
        expect(extendingAfter).toBeLessThanOrEqual(LONG_TTL);
        expect([await store.get('fixed'), await store.get('extending')]).toEqual(['2', '2']);
      });

      it("ends a fixed window at its first increment's TTL, however often it is taken meanwhile", async () => {
        const store = await open();
        const counter = [{ key: 'w', limit: 10, ttlMs: 600, window: 'fixed' as const }];
        await store.incrementBelowLimits(counter);
        await sleep(400);
        expect(await store.incrementBelowLimits(counter)).toEqual({ taken: true, counts: [2] });
        await sleep(400);
        // An extending window would still hold 2 here (its end moved to 600 ms after the second take).
        expect(await store.get('w')).toBeNull();
        expect(await store.incrementBelowLimits(counter)).toEqual({ taken: true, counts: [1] });
      });

      it('refuses to count a value that is not an integer', async () => {
        const store = await open();
        await store.set('a', 'not a number', LONG_TTL);
        await expect(store.incrementBelowLimits(counters([5, 5]))).rejects.toMatchObject({
          code: 'internal',
        });
        expect(await store.get('b')).toBeNull();
      });

      it.each<[BoundedCounter]>([
        [{ key: 'a', limit: 0, ttlMs: LONG_TTL, window: 'fixed' }],
        [{ key: 'a', limit: 1.5, ttlMs: LONG_TTL, window: 'fixed' }],
        [{ key: 'a', limit: 3, ttlMs: 0, window: 'fixed' }],
        [{ key: 'lock:a', limit: 3, ttlMs: LONG_TTL, window: 'fixed' }],
        // A counter that names no window, or one there is not, from a caller that is not type-checked.
        [{ key: 'a', limit: 3, ttlMs: LONG_TTL } as BoundedCounter],
        [{ key: 'a', limit: 3, ttlMs: LONG_TTL, window: 'sliding' } as unknown as BoundedCounter],
      ])('rejects %p with RangeError and writes nothing', async (bad) => {
        const store = await open();
        await expect(
          store.incrementBelowLimits([{ key: 'b', limit: 3, ttlMs: LONG_TTL, window: 'fixed' }, bad]),
        ).rejects.toThrow(RangeError);
        expect(await store.get('b')).toBeNull();
      });
    });

    describe('decrement', () => {
      it('takes one back, never below zero, and keeps the TTL', async () => {
        const store = await open();
        await store.incrementBelowLimits([{ key: 'n', limit: 10, ttlMs: 5_000, window: 'fixed' }]);
        await store.incrementBelowLimits([{ key: 'n', limit: 10, ttlMs: 5_000, window: 'fixed' }]);
        expect(await store.decrement('n')).toBe(1);
        expect(await store.decrement('n')).toBe(0);
        expect(await store.decrement('n')).toBe(0);
        const remaining = await store.ttl('n');
        expect(remaining).toBeGreaterThan(4_000);
        expect(remaining).toBeLessThanOrEqual(5_000);
      });

      it('leaves an absent counter absent', async () => {
        const store = await open();
        expect(await store.decrement('missing')).toBeNull();
        expect(await store.get('missing')).toBeNull();
      });

      it('gives back exactly what concurrent callers took', async () => {
        const [one, two] = [await open(), await open()];
        await one.set('n', '40', LONG_TTL);
        await Promise.all(
          Array.from({ length: 30 }, (_, index) => (index % 2 === 0 ? one : two).decrement('n')),
        );
        expect(await one.get('n')).toBe('10');
      });
    });

    describe('ttl', () => {
      it('is null for an absent key', async () => {
        const store = await open();
        expect(await store.ttl('missing')).toBeNull();
      });

      it('reports the remaining milliseconds', async () => {
        const store = await open();
        await store.set('k', 'v', 10_000);
        const remaining = await store.ttl('k');
        expect(remaining).toBeGreaterThan(9_000);
        expect(remaining).toBeLessThanOrEqual(10_000);
      });
    });

    describe('argument checks', () => {
      it.each(INVALID_TTLS)('rejects a TTL of %p with RangeError and writes nothing', async (ttlMs) => {
        const store = await open();
        await expect(store.set('a', 'v', ttlMs)).rejects.toThrow(RangeError);
        await expect(store.setIfAbsent('b', 'v', ttlMs)).rejects.toThrow(RangeError);
        await expect(store.increment('c', ttlMs)).rejects.toThrow(RangeError);
        await expect(store.acquireLock('d', ttlMs)).rejects.toThrow(RangeError);
        for (const key of ['a', 'b', 'c']) {
          expect(await store.get(key)).toBeNull();
        }
        expect(await store.acquireLock('d', LONG_TTL)).not.toBeNull();
      });

      it('rejects data keys in the lock namespace with RangeError', async () => {
        const store = await open();
        await expect(store.get('lock:x')).rejects.toThrow(RangeError);
        await expect(store.set('lock:x', 'v', LONG_TTL)).rejects.toThrow(RangeError);
        await expect(store.setIfAbsent('lock:x', 'v', LONG_TTL)).rejects.toThrow(RangeError);
        await expect(store.delete('lock:x')).rejects.toThrow(RangeError);
        await expect(store.increment('lock:x', LONG_TTL)).rejects.toThrow(RangeError);
        await expect(store.ttl('lock:x')).rejects.toThrow(RangeError);
      });
    });

    describe('locks', () => {
      it('are exclusive, also across clients, until released', async () => {
        const [one, two] = [await open(), await open()];
        const held = present(await one.acquireLock('L', LONG_TTL));
        expect(await one.acquireLock('L', LONG_TTL)).toBeNull();
        expect(await two.acquireLock('L', LONG_TTL)).toBeNull();
        expect(await held.release()).toBe(true);
        const next = present(await two.acquireLock('L', LONG_TTL));
        await next.release();
      });

      it('go to exactly one of many concurrent contenders', async () => {
        const [one, two] = [await open(), await open()];
        const locks = await Promise.all(
          Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? one : two).acquireLock('L', LONG_TTL)),
        );
        expect(locks.filter((lock) => lock !== null)).toHaveLength(1);
      });

      it('release only once', async () => {
        const store = await open();
        const lock = present(await store.acquireLock('L', LONG_TTL));
        expect(await lock.release()).toBe(true);
        expect(await lock.release()).toBe(false);
      });

      it('expire after their TTL, after which the old holder can neither release nor extend', async () => {
        const store = await open();
        const stale = present(await store.acquireLock('L', 80));
        await sleep(150);
        const current = present(await store.acquireLock('L', LONG_TTL));
        expect(await stale.release()).toBe(false);
        expect(await stale.extend(LONG_TTL)).toBe(false);
        expect(await store.acquireLock('L', LONG_TTL)).toBeNull();
        expect(await current.release()).toBe(true);
      });

      it('can be extended by their holder', async () => {
        const store = await open();
        const lock = present(await store.acquireLock('L', 100));
        expect(await lock.extend(LONG_TTL)).toBe(true);
        await sleep(180);
        expect(await store.acquireLock('L', LONG_TTL)).toBeNull();
        expect(await lock.release()).toBe(true);
      });

      it('cannot be extended once released, nor with an invalid TTL', async () => {
        const store = await open();
        const lock = present(await store.acquireLock('L', LONG_TTL));
        await expect(lock.extend(0)).rejects.toThrow(RangeError);
        await lock.release();
        expect(await lock.extend(LONG_TTL)).toBe(false);
        expect(await store.acquireLock('L', LONG_TTL)).not.toBeNull();
      });

      it('with different names are independent', async () => {
        const store = await open();
        expect(await store.acquireLock('A', LONG_TTL)).not.toBeNull();
        expect(await store.acquireLock('B', LONG_TTL)).not.toBeNull();
      });

      it('live apart from data keys of the same name', async () => {
        const store = await open();
        const lock = present(await store.acquireLock('x', LONG_TTL));
        expect(await store.get('x')).toBeNull();
        await store.set('x', 'data', LONG_TTL);
        expect(await store.delete('x')).toBe(true);
        expect(await store.acquireLock('x', LONG_TTL)).toBeNull();
        expect(await lock.release()).toBe(true);
      });
    });

    describe('withLock', () => {
      it("returns fn's result and hands fn the lock, which fn can extend", async () => {
        const store = await open();
        const result = await store.withLock('L', LONG_TTL, async (lock: StoreLock) => {
          expect(await store.acquireLock('L', LONG_TTL)).toBeNull();
          expect(await lock.extend(LONG_TTL)).toBe(true);
          return 'done';
        });
        expect(result).toBe('done');
        expect(await store.acquireLock('L', LONG_TTL)).not.toBeNull();
      });

      it('runs 20 concurrent callers on two clients one at a time', async () => {
        const [one, two] = [await open(), await open()];
        let active = 0;
        let maxActive = 0;
        const finished: number[] = [];
        await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            (index % 2 === 0 ? one : two).withLock(
              'critical',
              5_000,
              async () => {
                active++;
                maxActive = Math.max(maxActive, active);
                await sleep(3);
                active--;
                finished.push(index);
              },
              { waitMs: 30_000, retryMs: 5 },
            ),
          ),
        );
        expect(maxActive).toBe(1);
        expect([...finished].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index));
      });

      it('releases the lock when fn throws, and rethrows the same error', async () => {
        const store = await open();
        const failure = new Error('fn failed');
        await expect(
          store.withLock('L', LONG_TTL, () => Promise.reject(failure), { waitMs: 0 }),
        ).rejects.toBe(failure);
        expect(await store.acquireLock('L', LONG_TTL)).not.toBeNull();
      });

      it('waits for the holder to release', async () => {
        const store = await open();
        const holder = present(await store.acquireLock('L', LONG_TTL));
        const started = Date.now();
        setTimeout(() => {
          void holder.release();
        }, 100);
        const result = await store.withLock('L', LONG_TTL, () => Promise.resolve('mine'), {
          waitMs: 5_000,
          retryMs: 10,
        });
        expect(result).toBe('mine');
        expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      });

      it('gives up with LockTimeoutError after waitMs, without calling fn', async () => {
        const store = await open();
        await store.acquireLock('L', LONG_TTL);
        let called = false;
        const started = Date.now();
        const attempt = store.withLock(
          'L',
          LONG_TTL,
          () => {
            called = true;
            return Promise.resolve();
          },
          { waitMs: 150, retryMs: 10 },
        );
        await expect(attempt).rejects.toBeInstanceOf(LockTimeoutError);
        await attempt.catch((error: unknown) => {
          expect(error).toMatchObject({ lockName: 'L' });
        });
        const elapsed = Date.now() - started;
        expect(elapsed).toBeGreaterThanOrEqual(140);
        expect(elapsed).toBeLessThan(3_000);
        expect(called).toBe(false);
      });

      it('rejects an invalid TTL with RangeError', async () => {
        const store = await open();
        await expect(store.withLock('L', 0, () => Promise.resolve())).rejects.toThrow(RangeError);
      });
    });

    describe('key prefixes', () => {
      it('stores opened with the same prefix see the same keys (the factory shares one backend)', async () => {
        const [one, two] = [await open('shared:'), await open('shared:')];
        await one.set('k', 'v', LONG_TTL);
        expect(await two.get('k')).toBe('v');
      });

      it('stores with different prefixes on one backend do not see each other', async () => {
        const [a, b] = [await open('a:'), await open('b:')];
        await a.set('k', 'from a', LONG_TTL);
        expect(await b.get('k')).toBeNull();
        expect(await b.ttl('k')).toBeNull();
        expect(await b.delete('k')).toBe(false);
        expect(await b.setIfAbsent('k', 'from b', LONG_TTL)).toBe(true);
        expect(await a.get('k')).toBe('from a');
        expect(await b.get('k')).toBe('from b');

        expect(await a.increment('n', LONG_TTL)).toBe(1);
        expect(await a.increment('n', LONG_TTL)).toBe(2);
        expect(await b.increment('n', LONG_TTL)).toBe(1);

        expect(await a.acquireLock('L', LONG_TTL)).not.toBeNull();
        expect(await b.acquireLock('L', LONG_TTL)).not.toBeNull();
      });

      it('are prepended to keys as they are', async () => {
        const [outer, inner] = [await open(), await open('inner:')];
        await inner.set('k', 'v', LONG_TTL);
        expect(await outer.get('inner:k')).toBe('v');
      });
    });

    describe('ping and close', () => {
      it('answers ping while open', async () => {
        const store = await open();
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it("refuses every operation with 'store_unavailable' once closed, and closes idempotently", async () => {
        const store = await open();
        const lock = present(await store.acquireLock('L', LONG_TTL));
        await store.close();
        await store.close();
        await expectStoreUnavailable(store.ping());
        await expectStoreUnavailable(store.get('k'));
        await expectStoreUnavailable(store.set('k', 'v', LONG_TTL));
        await expectStoreUnavailable(store.setIfAbsent('k', 'v', LONG_TTL));
        await expectStoreUnavailable(store.delete('k'));
        await expectStoreUnavailable(store.increment('n', LONG_TTL));
        await expectStoreUnavailable(
          store.incrementBelowLimits([{ key: 'n', limit: 1, ttlMs: LONG_TTL, window: 'fixed' }]),
        );
        await expectStoreUnavailable(store.decrement('n'));
        await expectStoreUnavailable(store.ttl('k'));
        await expectStoreUnavailable(store.acquireLock('M', LONG_TTL));
        await expectStoreUnavailable(lock.release());
        await expectStoreUnavailable(lock.extend(LONG_TTL));
        await expectStoreUnavailable(store.withLock('M', LONG_TTL, () => Promise.resolve()));
      });
    });
  });
}
