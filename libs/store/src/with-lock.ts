import { LockTimeoutError } from './errors';
import type { Store, StoreLock, WithLockOptions } from './store';
import { assertValidTtl } from './validation';

const DEFAULT_RETRY_MS = 25;

/**
 * Store.withLock, written once over acquireLock so every implementation
 * behaves the same: poll for the lock with jittered delays (so waiters that
 * started together do not retry in lockstep) until waitMs has passed, run fn,
 * release. When fn throws, its error is what the caller gets, even if the
 * release fails too (the lock then expires on its own). When fn succeeds but
 * the release fails because the store is down, that failure propagates: the
 * caller must not act as if the store were healthy.
 */
export async function withLock<T>(
  store: Pick<Store, 'acquireLock'>,
  name: string,
  ttlMs: number,
  fn: (lock: StoreLock) => Promise<T>,
  options: WithLockOptions = {},
): Promise<T> {
  assertValidTtl(ttlMs);
  const waitMs = options.waitMs ?? ttlMs;
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  if (!(waitMs >= 0 && Number.isFinite(waitMs))) {
    throw new RangeError(`waitMs must be a finite number >= 0, got ${String(waitMs)}`);
  }
  if (!(retryMs > 0 && Number.isFinite(retryMs))) {
    throw new RangeError(`retryMs must be a finite number > 0, got ${String(retryMs)}`);
  }

  const lock = await acquireWithin(store, name, ttlMs, waitMs, retryMs);
  let result: T;
  try {
    result = await fn(lock);
  } catch (error) {
    await lock.release().catch(() => false);
    throw error;
  }
  await lock.release();
  return result;
}

async function acquireWithin(
  store: Pick<Store, 'acquireLock'>,
  name: string,
  ttlMs: number,
  waitMs: number,
  retryMs: number,
): Promise<StoreLock> {
  const started = Date.now();
  const deadline = started + waitMs;
  for (;;) {
    const lock = await store.acquireLock(name, ttlMs);
    if (lock !== null) {
      return lock;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new LockTimeoutError(name, Date.now() - started);
    }
    await sleep(Math.min(remaining, retryMs * (0.5 + Math.random())));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
