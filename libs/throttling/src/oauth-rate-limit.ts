import type { Store } from '@fedgate/store';
import { z } from 'zod';
import { durationSeconds } from '@fedgate/config';
import { takeRateCounters, type RateCounter, type RateRefusal } from './rate-counters';
import { RateKeys } from './rate-keys';

/**
 * The `oauthRateLimit` section (docs/configuration.md): how many requests
 * the OAuth and AWS SSO OIDC endpoints (token, device authorization,
 * revocation, client registration) take in a window from one client
 * address, for one OAuth client and for one user, across every replica
 * sharing the store. The per-address default is what these endpoints
 * allowed before the section existed.
 */
export const oauthRateLimitConfigSchema = z.strictObject({
  perAddress: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(120)
    .describe('Requests from one client address per window.'),
  perClient: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(3000)
    .describe('Requests of one OAuth client (all its users) per window.'),
  perUser: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(120)
    .describe('Requests for one user (per connector), any client, per window.'),
  window: durationSeconds(1, 3600)
    .default(60)
    .describe('The window: it starts at the first counted request, and the count resets when it ends.'),
});

export type OAuthRateLimitConfig = z.output<typeof oauthRateLimitConfigSchema>;

/** Which limit refused a request; the order is the order counters are taken in. */
export type OAuthRateCheck = 'per-address' | 'per-client' | 'per-user';

/** What one request is counted against: any of its address, its OAuth client and its user. */
export interface OAuthRateSubject {
  address?: string;
  clientId?: string;
  user?: { connectorId: string; subject: string };
}

const ADDRESS_KEYS = new RateKeys('oauth', 'address');
const CLIENT_KEYS = new RateKeys('oauth', 'client');
const USER_KEYS = new RateKeys('oauth', 'user');
const REFUSAL: RateRefusal = { phase: 'rate.oauth', message: 'Too many requests; slow down' };

/**
 * Counts an OAuth endpoint request against the limits of what is known of
 * it (address, client, user) in one atomic store operation, all or none,
 * and refuses it past any with `rate_limited`, the check that refused and
 * when to retry. A refused request is not counted, so a client that keeps
 * hammering is let in again when the window ends. The store being down
 * refuses too (store_unavailable).
 */
export class OAuthRateLimit {
  private readonly ttlMs: number;

  constructor(
    private readonly store: Pick<Store, 'incrementBelowLimits'>,
    private readonly config: OAuthRateLimitConfig,
  ) {
    this.ttlMs = config.window * 1000;
  }

  async take(subject: OAuthRateSubject): Promise<void> {
    const { address, clientId, user } = subject;
    const { ttlMs } = this;
    // In the order of OAuthRateCheck.
    const counters: RateCounter<OAuthRateCheck>[] = [];
    if (address !== undefined) {
      counters.push({
        check: 'per-address',
        key: ADDRESS_KEYS.key(address),
        limit: this.config.perAddress,
        ttlMs,
        window: 'fixed',
      });
    }
    if (clientId !== undefined) {
      counters.push({
        check: 'per-client',
        key: CLIENT_KEYS.key(clientId),
        limit: this.config.perClient,
        ttlMs,
        window: 'fixed',
      });
    }
    if (user !== undefined) {
      counters.push({
        check: 'per-user',
        key: USER_KEYS.key(`${user.connectorId}\n${user.subject}`),
        limit: this.config.perUser,
        ttlMs,
        window: 'fixed',
      });
    }
    await takeRateCounters(this.store, counters, REFUSAL);
  }
}
