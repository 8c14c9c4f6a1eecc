import type { Store } from '@fedgate/store';
import { z } from 'zod';
import { durationSeconds } from '@fedgate/config';
import { takeRateCounters, type RateRefusal } from './rate-counters';
import { RateKeys } from './rate-keys';

/**
 * The `issuanceRateLimit` section (docs/configuration.md): how many
 * credential and console requests one user, and one client address, may
 * make in a window, across every front door (API, portal, CLI, AWS SSO,
 * token exchange) and every replica sharing the store. Cache hits count
 * too: the limit bounds what a stolen session can pull, not STS's load.
 */
export const issuanceRateLimitConfigSchema = z.strictObject({
  perUser: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(600)
    .describe('Requests of one user (per connector) per window.'),
  perClient: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(3000)
    .describe('Requests from one client address per window.'),
  window: durationSeconds(1, 3600)
    .default(60)
    .describe('The window: it starts at the first counted request, and the count resets when it ends.'),
});

export type IssuanceRateLimitConfig = z.output<typeof issuanceRateLimitConfigSchema>;

const USER_KEYS = new RateKeys('issue', 'user');
const CLIENT_KEYS = new RateKeys('issue', 'client');
const REFUSAL: RateRefusal = {
  phase: 'rate.issuance',
  message: 'Too many credential requests; slow down',
};

/**
 * Counts a credential or console request against its user's and its client
 * address's limits in one atomic store operation (both or neither), and
 * refuses it past either with `rate_limited` and when to retry. The store
 * being down refuses too (store_unavailable): nothing is issued unchecked.
 */
export class IssuanceRateLimit {
  private readonly ttlMs: number;

  constructor(
    private readonly store: Pick<Store, 'incrementBelowLimits'>,
    private readonly config: IssuanceRateLimitConfig,
  ) {
    this.ttlMs = config.window * 1000;
  }

  async take(
    user: { connectorId: string; subject: string },
    clientAddress: string | undefined,
  ): Promise<void> {
    await takeRateCounters(
      this.store,
      [
        {
          check: 'per-user',
          key: USER_KEYS.key(`${user.connectorId}\n${user.subject}`),
          limit: this.config.perUser,
          ttlMs: this.ttlMs,
          window: 'fixed',
        },
        {
          check: 'per-client',
          key: CLIENT_KEYS.key(clientAddress ?? 'unknown'),
          limit: this.config.perClient,
          ttlMs: this.ttlMs,
          window: 'fixed',
        },
      ],
      REFUSAL,
    );
  }
}
