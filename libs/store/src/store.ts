/**
 * What the broker keeps between requests: sessions, OIDC/SAML state, replay
 * caches, rate-limit counters, credential caches and locks. Everything
 * expires: every write takes a TTL in milliseconds (a positive integer), so
 * nothing the broker stores outlives its purpose.
 *
 * Implementations prefix every key and lock name with their configured key
 * prefix, so several deployments (or tests) can share one backend without
 * seeing each other's data.
 *
 * Failure contract: when the backend cannot be reached, or the store was
 * closed, a method rejects with FedgateError('store_unavailable') in bounded
 * time, and callers must fail closed. A TTL that is not a positive integer,
 * or a key starting with `lock:` (that namespace holds locks), is a
 * programming error and rejects with RangeError before anything is written.
 * Errors never contain stored values or keys.
 */
export interface Store {
  /** The value, or null when the key is absent or expired. */
  get(key: string): Promise<string | null>;

  /** Writes (or overwrites) the value and its TTL. */
  set(key: string, value: string, ttlMs: number): Promise<void>;

  /**
   * Writes only when the key is absent (SET NX PX); true when this call wrote
   * it. Exactly one of any number of concurrent callers wins, which is what
   * replay caches rely on.
   */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;

  /** Removes the key; true when something was removed. */
  delete(key: string): Promise<boolean>;

  /**
   * Atomically adds one and returns the new count, starting at 1. The TTL
   * applies when the counter is created and later increments do not extend it,
   * which makes fixed-window rate limits. Rejects with FedgateError('internal')
   * when the key holds something that is not an integer.
   */
  increment(key: string, ttlMs: number): Promise<number>;

  /**
   * All or nothing, atomically: when every counter is below its limit, adds
   * one to each and sets its TTL as its `window` says (see BoundedCounter):
   * a fixed window's TTL only when the counter is created, an extending
   * window's TTL to its ttlMs from now at every increment; otherwise changes
   * nothing and names the first counter at its limit with its remaining TTL.
   * However many callers race, across clients too, no counter ever passes
   * its limit. Rejects like increment() for a key that is not a counter.
   */
  incrementBelowLimits(counters: readonly BoundedCounter[]): Promise<BoundedIncrement>;

  /**
   * Atomically takes one back from a counter, never below zero, keeping its
   * TTL: returns the new count, or null when the counter is absent. Undoes
   * an increment that turned out not to count.
   */
  decrement(key: string): Promise<number | null>;

  /**
   * Remaining lifetime in milliseconds, or null when the key is absent.
   * Infinity only for a key written without a TTL by something other than a
   * Store.
   */
  ttl(key: string): Promise<number | null>;

  /**
   * Takes the named lock for ttlMs, or resolves null at once when someone else
   * holds it. Locks live under `lock:<name>`, apart from data keys, so a lock
   * never collides with a key of the same name.
   */
  acquireLock(name: string, ttlMs: number): Promise<StoreLock | null>;

  /**
   * Runs fn while holding the named lock, waiting for it as WithLockOptions
   * say, and always releases it afterwards. Rejects with LockTimeoutError when
   * the lock could not be taken in time (fn is then not called). The lock
   * expires after ttlMs even if fn is still running: long jobs call
   * lock.extend().
   */
  withLock<T>(
    name: string,
    ttlMs: number,
    fn: (lock: StoreLock) => Promise<T>,
    options?: WithLockOptions,
  ): Promise<T>;

  /**
   * Adds a member to the set at key, to stay until ttlMs from now (adding it
   * again keeps the later of the two ends). Each member expires on its own and
   * the set lives as long as its longest-lived member, so a set can index
   * keys that expire at different times. A key holds either a value or a set,
   * never both. One key, so it works on every topology.
   */
  addToSet(key: string, member: string, ttlMs: number): Promise<void>;

  /** The set's members that have not expired, in no particular order; empty when the key is absent. */
  setMembers(key: string): Promise<string[]>;

  /** Removes a member from the set; true when it was there. */
  removeFromSet(key: string, member: string): Promise<boolean>;

  /** Resolves when the backend answers; rejects with FedgateError('store_unavailable') otherwise. */
  ping(): Promise<void>;

  /** Releases connections and timers. Idempotent; later calls on the store reject with 'store_unavailable'. */
  close(): Promise<void>;
}

/**
 * A held lock. Both methods act only while the lock is still ours (checked
 * against a random token), so a holder whose lock expired cannot release or
 * prolong the next holder's lock.
 */
export interface StoreLock {
  /** Frees the lock; false when it had already expired or passed to someone else. */
  release(): Promise<boolean>;
  /** Resets the lock's TTL to ttlMs from now; false when it is no longer ours. */
  extend(ttlMs: number): Promise<boolean>;
}

/** One counter of incrementBelowLimits. */
export interface BoundedCounter {
  key: string;
  /** The increment is refused when the counter already holds this many (a positive integer). */
  limit: number;
  /** How long the window lasts; when it starts is `window`'s choice. */
  ttlMs: number;
  /**
   * When the window starts. `fixed`: at the counter's first increment (the TTL
   * is set only when the counter is created, or found without a TTL), and the
   * count resets when it ends, as increment() does: rate limits. `extending`:
   * it restarts at every increment (the TTL is reset to ttlMs from now), so
   * the count resets only after ttlMs without one, the way directories count
   * failed binds: lockouts.
   */
  window: 'fixed' | 'extending';
}

/** incrementBelowLimits' answer: the new counts, or which counter was full and for how much longer. */
export type BoundedIncrement =
  { taken: true; counts: number[] } | { taken: false; full: number; ttlMs: number };

/** How withLock waits for a lock that someone else holds. */
export interface WithLockOptions {
  /** How long to keep trying before LockTimeoutError; default: the lock's ttlMs. 0 means one attempt. */
  waitMs?: number;
  /** Mean delay between attempts; each delay is jittered between half and one and a half times it. Default 25. */
  retryMs?: number;
}

/** The prefix a store uses when none is configured. */
export const DEFAULT_KEY_PREFIX = 'fedgate:';
