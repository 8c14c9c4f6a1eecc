import { randomBytes } from 'node:crypto';

/**
 * Key layout shared by the implementations, so a MemoryStore and a RedisStore
 * lay data out the same way: `<prefix><key>` for data and
 * `<prefix>lock:<name>` for locks. Data keys may not start with `lock:`, so a
 * lock can never be read, overwritten or deleted as data.
 */
const LOCK_SEGMENT = 'lock:';

/** The backend key for a data key; RangeError for keys in the lock namespace. */
export function dataKey(prefix: string, key: string): string {
  if (key.startsWith(LOCK_SEGMENT)) {
    throw new RangeError(`keys starting with "${LOCK_SEGMENT}" are reserved for locks`);
  }
  return `${prefix}${key}`;
}

/** The backend key that holds the named lock's token. */
export function lockKey(prefix: string, name: string): string {
  return `${prefix}${LOCK_SEGMENT}${name}`;
}

/** Unguessable, so no other holder can forge our release or extend. */
export function newLockToken(): string {
  return randomBytes(18).toString('base64url');
}
