import { FedgateError } from '@fedgate/core';
import type { BoundedCounter, Store } from '@fedgate/store';

/**
 * One limit a request is counted against: a store counter (its key from
 * RateKeys, so the value it counts is stored only as a digest) and the check
 * it stands for. Handed to the store as it is, without a copy.
 */
export interface RateCounter<Check extends string> extends BoundedCounter {
  /** Named in the refusal, so logs and audit say which limit refused. */
  check: Check;
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
  counters: readonly RateCounter<Check>[],
  refusal: RateRefusal,
): Promise<void> {
  if (counters.length === 0) {
    return;
  }
  const outcome = await store.incrementBelowLimits(counters);
  if (!outcome.taken) {
    throw new FedgateError('rate_limited', refusal.message, {
      retryAfterSeconds: Math.max(1, Math.ceil(outcome.ttlMs / 1000)),
      phase: refusal.phase,
      detail: { check: (counters[outcome.full] ?? counters[0])?.check },
    });
  }
}
