import * as crypto from 'node:crypto';

/**
 * SHA-256 of one string (UTF-8), in base64url. `crypto.hash` (Node 20.12 and
 * later) digests in one call without a Hash object; older Nodes take the Hash
 * object. Both give the same text, so the keys stay the same on every Node.
 */
export const sha256Base64url: (value: string) => string =
  typeof crypto.hash === 'function'
    ? (value) => crypto.hash('sha256', value, 'base64url')
    : (value) => crypto.createHash('sha256').update(value).digest('base64url');

/** How many keys a RateKeys remembers by default. */
export const DEFAULT_RATE_KEY_MEMO_ENTRIES = 4096;

/** Longer values are digested every time: the memo stays small whatever a client sends. */
export const MAX_MEMOIZED_VALUE_LENGTH = 256;

export interface RateKeysOptions {
  /** How many values' keys are remembered; default DEFAULT_RATE_KEY_MEMO_ENTRIES, 0 for none. */
  maxEntries?: number;
  /** The digest; sha256Base64url unless a test watches the calls. */
  digest?: (value: string) => string;
}

/**
 * The store keys of one kind of rate counter: `rate:<prefix>:<kind>:<digest>`,
 * the digest being the SHA-256 of the value in base64url, so addresses and
 * user names never appear in store keys, and every replica, of any version,
 * counts the same value under the same key.
 *
 * The same users and addresses come back request after request, so the keys
 * of recent values are remembered: at most `maxEntries` of them, and only for
 * values up to MAX_MEMOIZED_VALUE_LENGTH characters. When the memo is full the
 * oldest entry makes room for the new one.
 */
export class RateKeys {
  private readonly keyPrefix: string;
  private readonly maxEntries: number;
  private readonly digest: (value: string) => string;
  private readonly memo = new Map<string, string>();

  constructor(prefix: string, kind: string, options: RateKeysOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_RATE_KEY_MEMO_ENTRIES;
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries < 0) {
      throw new RangeError(`maxEntries must be a non-negative integer, got ${String(this.maxEntries)}`);
    }
    this.digest = options.digest ?? sha256Base64url;
    this.keyPrefix = `rate:${prefix}:${kind}:`;
  }

  /** Values remembered now; for tests. */
  get size(): number {
    return this.memo.size;
  }

  /** The store key counting `value`. */
  key(value: string): string {
    const known = this.memo.get(value);
    if (known !== undefined) {
      return known;
    }
    const key = this.keyPrefix + this.digest(value);
    if (this.maxEntries > 0 && value.length <= MAX_MEMOIZED_VALUE_LENGTH) {
      if (this.memo.size >= this.maxEntries) {
        // Maps iterate in insertion order: the first key is the oldest.
        const oldest = this.memo.keys().next();
        if (oldest.done !== true) {
          this.memo.delete(oldest.value);
        }
      }
      this.memo.set(value, key);
    }
    return key;
  }
}
