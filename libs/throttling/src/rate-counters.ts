import { createHash } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import type { Store } from '@fedgate/store';

/** One limit a request is counted against: what it counts (`kind`), whose (`value`), how many. */
export interface RateCounter<Check extends string> {
  /** Named in the refusal, so logs and audit say which limit refused. */
  check: Check;
  kind: string;
  /** Stored as a digest: addresses and user names never appear in store keys. */
  value: string;
  limit: number;
}

/** How a refusal is told: its message and the phase the audit names. */
export interface RateRefusal {
  phase: string;
  message: string;
}

/**
 * Counts a request against every counter in one atomic store operation (all
 * or none, so a refused request is not counted) and refuses it past any with
 * `rate_limited`, the check that refused and when to retry. The store being
 * down refuses too (store_unavailable): nothing is let through unchecked.
 */
export async function takeRateCounters<Check extends string>(
  store: Pick<Store, 'incrementBelowLimits'>,
  prefix: string,
  windowSeconds: number,
  counters: readonly RateCounter<Check>[],
  refusal: RateRefusal,
): Promise<void> {
  if (counters.length === 0) {
    return;
  }
  const ttlMs = windowSeconds * 1000;
  const outcome = await store.incrementBelowLimits(
    counters.map(({ kind, value, limit }) => ({
      key: `rate:${prefix}:${kind}:${createHash('sha256').update(value).digest('base64url')}`,
      limit,
      ttlMs,
    })),
  );
  if (!outcome.taken) {
    throw new FedgateError('rate_limited', refusal.message, {
      retryAfterSeconds: Math.max(1, Math.ceil(outcome.ttlMs / 1000)),
      phase: refusal.phase,
      detail: { check: (counters[outcome.full] ?? counters[0])?.check },
    });
  }
}
