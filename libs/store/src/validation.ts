/**
 * Rejects TTLs the backends would misread: Redis PX needs a positive integer,
 * and a zero or missing TTL would mean "keep forever" in some code paths.
 */
export function assertValidTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer number of milliseconds, got ${String(ttlMs)}`);
  }
}

/** Rejects a limit that is not a positive integer (a zero limit would refuse everything, silently). */
export function assertValidLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit <= 0) {
    throw new RangeError(`limit must be a positive integer, got ${String(limit)}`);
  }
}

/** Rejects a counter window other than the two there are, so a counter never picks one by accident. */
export function assertValidWindow(window: unknown): void {
  if (window !== 'fixed' && window !== 'extending') {
    throw new RangeError(`window must be 'fixed' or 'extending', got ${String(window)}`);
  }
}
