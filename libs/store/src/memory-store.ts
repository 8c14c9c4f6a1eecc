import { FedgateError } from '@fedgate/core';

import { notACounter, storeUnavailable } from './errors';
import { dataKey, lockKey, newLockToken } from './keys';
import {
  DEFAULT_KEY_PREFIX,
  type BoundedCounter,
  type BoundedIncrement,
  type Store,
  type StoreLock,
  type WithLockOptions,
} from './store';
import { assertValidLimit, assertValidTtl, assertValidWindow } from './validation';
import { withLock } from './with-lock';

export interface MemoryStoreOptions {
  /** Default `fedgate:`. */
  keyPrefix?: string;
  /** The clock expiry is measured against; injectable so tests can expire entries without sleeping. */
  now?: () => number;
  /** How often expired entries nobody reads are dropped; default 60 s. */
  sweepIntervalMs?: number;
}

interface Entry {
  value: string;
  expiresAt: number;
  /** A set's members and when each one ends (the entry's expiresAt is the latest of them). */
  members?: Map<string, number>;
}

const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
const INTEGER_PATTERN = /^(0|-?[1-9]\d*)$/;

/**
 * A Store in this process's memory, for a single broker instance and for
 * tests. Every method completes synchronously inside its promise, which is
 * what makes increment, setIfAbsent and locks atomic here. Expired entries are
 * invisible as soon as they expire (checked on every read) and are dropped by
 * a periodic sweep; the sweep timer does not keep the process alive and stops
 * on close().
 */
export class MemoryStore implements Store {
  private entries = new Map<string, Entry>();
  private readonly keyPrefix: string;
  private readonly now: () => number;
  private readonly sweepIntervalMs: number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.now = options.now ?? Date.now;
    this.sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    assertValidTtl(this.sweepIntervalMs);
    this.sweepTimer = setInterval(() => this.sweep(), this.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /**
   * Another store over the same memory with a different prefix, as two
   * deployments would share one Redis. It shares the clock, has its own
   * sweep timer, and closing it leaves this store open.
   */
  withKeyPrefix(keyPrefix: string): MemoryStore {
    const view = new MemoryStore({ keyPrefix, now: this.now, sweepIntervalMs: this.sweepIntervalMs });
    view.entries = this.entries;
    return view;
  }

  /** Entries held, counting expired ones not yet swept; for metrics and tests. */
  get size(): number {
    return this.entries.size;
  }

  /** Drops every expired entry now; returns how many. The timer calls this; callers rarely need to. */
  sweep(): number {
    const now = this.now();
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  get(key: string): Promise<string | null> {
    return this.run('get', () => this.read(dataKey(this.keyPrefix, key))?.value ?? null);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    return this.run('set', () => {
      assertValidTtl(ttlMs);
      this.entries.set(dataKey(this.keyPrefix, key), { value, expiresAt: this.now() + ttlMs });
    });
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.run('setIfAbsent', () => this.writeIfAbsent(dataKey(this.keyPrefix, key), value, ttlMs));
  }

  delete(key: string): Promise<boolean> {
    return this.run('delete', () => {
      const fullKey = dataKey(this.keyPrefix, key);
      return this.read(fullKey) !== undefined && this.entries.delete(fullKey);
    });
  }

  increment(key: string, ttlMs: number): Promise<number> {
    return this.run('increment', () => {
      assertValidTtl(ttlMs);
      const fullKey = dataKey(this.keyPrefix, key);
      const entry = this.read(fullKey);
      if (entry === undefined) {
        this.entries.set(fullKey, { value: '1', expiresAt: this.now() + ttlMs });
        return 1;
      }
      const count = counterValue(entry.value);
      entry.value = String(count + 1);
      return count + 1;
    });
  }

  incrementBelowLimits(counters: readonly BoundedCounter[]): Promise<BoundedIncrement> {
    return this.run('incrementBelowLimits', () => {
      // One clock reading for the whole call: every counter is judged, and ends, at the same instant.
      const now = this.now();
      // Everything is checked, and every count read, before anything is written (all or nothing).
      const found: (Entry | undefined)[] = [];
      const counts: number[] = [];
      let full = -1;
      for (const counter of counters) {
        assertValidTtl(counter.ttlMs);
        assertValidLimit(counter.limit);
        assertValidWindow(counter.window);
        const entry = this.readAt(dataKey(this.keyPrefix, counter.key), now);
        const count = entry === undefined ? 0 : counterValue(entry.value);
        if (full < 0 && count >= counter.limit) {
          full = counts.length;
        }
        found.push(entry);
        counts.push(count + 1);
      }
      if (full >= 0) {
        const entry = found[full];
        return { taken: false, full, ttlMs: entry === undefined ? 0 : entry.expiresAt - now };
      }
      let index = 0;
      for (const counter of counters) {
        const value = String(counts[index]);
        const expiresAt = now + counter.ttlMs;
        const entry = found[index++];
        if (entry === undefined) {
          this.entries.set(dataKey(this.keyPrefix, counter.key), { value, expiresAt });
        } else {
          entry.value = value;
          // A fixed window keeps the end it got when the counter was created.
          if (counter.window === 'extending') {
            entry.expiresAt = expiresAt;
          }
        }
      }
      return { taken: true, counts };
    });
  }

  decrement(key: string): Promise<number | null> {
    return this.run('decrement', () => {
      const entry = this.read(dataKey(this.keyPrefix, key));
      if (entry === undefined) {
        return null;
      }
      const count = Math.max(0, counterValue(entry.value) - 1);
      entry.value = String(count);
      return count;
    });
  }

  ttl(key: string): Promise<number | null> {
    return this.run('ttl', () => {
      const entry = this.read(dataKey(this.keyPrefix, key));
      return entry === undefined ? null : entry.expiresAt - this.now();
    });
  }

  addToSet(key: string, member: string, ttlMs: number): Promise<void> {
    return this.run('addToSet', () => {
      assertValidTtl(ttlMs);
      const fullKey = dataKey(this.keyPrefix, key);
      const now = this.now();
      const ends = now + ttlMs;
      const entry = this.read(fullKey);
      const members = entry?.members ?? new Map<string, number>();
      if (entry !== undefined && entry.members === undefined) {
        throw new FedgateError('internal', 'The key holds a value, not a set');
      }
      members.set(member, Math.max(members.get(member) ?? 0, ends));
      for (const [name, end] of members) {
        if (end <= now) {
          members.delete(name);
        }
      }
      this.entries.set(fullKey, { value: '', members, expiresAt: Math.max(entry?.expiresAt ?? 0, ends) });
    });
  }

  setMembers(key: string): Promise<string[]> {
    return this.run('setMembers', () => {
      const now = this.now();
      const members = this.read(dataKey(this.keyPrefix, key))?.members ?? new Map<string, number>();
      return [...members].filter(([, end]) => end > now).map(([name]) => name);
    });
  }

  removeFromSet(key: string, member: string): Promise<boolean> {
    return this.run('removeFromSet', () => {
      const members = this.read(dataKey(this.keyPrefix, key))?.members;
      return members !== undefined && (members.get(member) ?? 0) > this.now() && members.delete(member);
    });
  }

  acquireLock(name: string, ttlMs: number): Promise<StoreLock | null> {
    return this.run('acquireLock', () => {
      const fullKey = lockKey(this.keyPrefix, name);
      const token = newLockToken();
      return this.writeIfAbsent(fullKey, token, ttlMs) ? this.lockHandle(fullKey, token) : null;
    });
  }

  withLock<T>(
    name: string,
    ttlMs: number,
    fn: (lock: StoreLock) => Promise<T>,
    options?: WithLockOptions,
  ): Promise<T> {
    return withLock(this, name, ttlMs, fn, options);
  }

  ping(): Promise<void> {
    return this.run('ping', () => undefined);
  }

  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    return Promise.resolve();
  }

  private lockHandle(fullKey: string, token: string): StoreLock {
    const isOurs = (): boolean => this.read(fullKey)?.value === token;
    return {
      release: () => this.run('releaseLock', () => isOurs() && this.entries.delete(fullKey)),
      extend: (ttlMs: number) =>
        this.run('extendLock', () => {
          assertValidTtl(ttlMs);
          if (!isOurs()) {
            return false;
          }
          this.entries.set(fullKey, { value: token, expiresAt: this.now() + ttlMs });
          return true;
        }),
    };
  }

  private writeIfAbsent(fullKey: string, value: string, ttlMs: number): boolean {
    assertValidTtl(ttlMs);
    if (this.read(fullKey) !== undefined) {
      return false;
    }
    this.entries.set(fullKey, { value, expiresAt: this.now() + ttlMs });
    return true;
  }

  /** The live entry, dropping it if it has expired so readers never see stale data. */
  private read(fullKey: string): Entry | undefined {
    return this.readAt(fullKey, this.now());
  }

  /** read() at a clock reading the caller already took. */
  private readAt(fullKey: string, now: number): Entry | undefined {
    const entry = this.entries.get(fullKey);
    if (entry !== undefined && entry.expiresAt <= now) {
      this.entries.delete(fullKey);
      return undefined;
    }
    return entry;
  }

  /** Turns synchronous work into the Store's promise contract, refusing once closed like a closed connection would. */
  private run<T>(operation: string, work: () => T): Promise<T> {
    if (this.closed) {
      return Promise.reject(storeUnavailable(operation, undefined, { reason: 'closed' }));
    }
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/** The count a stored value holds; same rule as Redis INCR: only a decimal integer in the 64-bit range counts. */
function counterValue(value: string): number {
  const count = INTEGER_PATTERN.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(count + 1)) {
    throw notACounter();
  }
  return count;
}
