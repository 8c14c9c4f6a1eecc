import { createHash } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import type { BoundedCounter, Store } from '@fedgate/store';
import { z } from 'zod';
import { durationSeconds } from '@fedgate/config';

/**
 * The `oauthRateLimit` section (docs/configuration.md): how many requests
 * the OAuth and AWS SSO OIDC endpoints (token, device authorization,
 * revocation, client registration) take in a window from one client
 * address, for one OAuth client and for one user, across every replica
 * sharing the store. The per-address default is what these endpoints
 * allowed before the section existed.
 */
export const oauthRateLimitConfigSchema = z.strictObject({
  perAddress: z.number().int().min(1).max(1_000_000).default(120),
  perClient: z.number().int().min(1).max(1_000_000).default(3000),
  perUser: z.number().int().min(1).max(1_000_000).default(120),
  window: durationSeconds(1, 3600).default(60),
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

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * Counts an OAuth endpoint request against the limits of what is known of
 * it (address, client, user) in one atomic store operation, all or none,
 * and refuses it past any with `rate_limited`, the check that refused and
 * when to retry. A refused request is not counted, so a client that keeps
 * hammering is let in again when the window ends. The store being down
 * refuses too (store_unavailable).
 */
export class OAuthRateLimit {
  constructor(
    private readonly store: Pick<Store, 'incrementBelowLimits'>,
    private readonly config: OAuthRateLimitConfig,
  ) {}

  async take(subject: OAuthRateSubject): Promise<void> {
    const ttlMs = this.config.window * 1000;
    const counted: { check: OAuthRateCheck; counter: BoundedCounter }[] = [];
    if (subject.address !== undefined) {
      counted.push({
        check: 'per-address',
        counter: {
          key: `rate:oauth:address:${digest(subject.address)}`,
          limit: this.config.perAddress,
          ttlMs,
        },
      });
    }
    if (subject.clientId !== undefined) {
      counted.push({
        check: 'per-client',
        counter: {
          key: `rate:oauth:client:${digest(subject.clientId)}`,
          limit: this.config.perClient,
          ttlMs,
        },
      });
    }
    if (subject.user !== undefined) {
      const { connectorId, subject: id } = subject.user;
      counted.push({
        check: 'per-user',
        counter: {
          key: `rate:oauth:user:${digest(`${connectorId}\n${id}`)}`,
          limit: this.config.perUser,
          ttlMs,
        },
      });
    }
    if (counted.length === 0) {
      return;
    }
    const outcome = await this.store.incrementBelowLimits(counted.map((entry) => entry.counter));
    if (!outcome.taken) {
      throw new FedgateError('rate_limited', 'Too many requests; slow down', {
        retryAfterSeconds: Math.max(1, Math.ceil(outcome.ttlMs / 1000)),
        phase: 'rate.oauth',
        detail: { check: counted[outcome.full]?.check ?? 'per-address' },
      });
    }
  }
}
