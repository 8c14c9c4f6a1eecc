import { createHash } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import type { Store } from '@fedgate/store';

/** At most `limit` requests per `windowSeconds` for one key. */
export interface RequestRateLimitOptions {
  /** Names the counters in the store (`rate:<name>:…`), one name per endpoint. */
  name: string;
  limit: number;
  windowSeconds: number;
}

/**
 * A fixed-window request limit in the store, shared by replicas: for
 * endpoints that take no password (the OAuth token endpoint) but must not be
 * hammered. The key (a client address) is stored as a digest.
 */
export class RequestRateLimit {
  constructor(
    private readonly store: Store,
    private readonly options: RequestRateLimitOptions,
  ) {}

  /** Counts the request, or throws FedgateError('rate_limited', {retryAfterSeconds}) over the limit. */
  async take(key: string): Promise<void> {
    const { name, limit, windowSeconds } = this.options;
    const counter = `rate:${name}:${createHash('sha256').update(key).digest('base64url')}`;
    const count = await this.store.increment(counter, windowSeconds * 1000);
    if (count > limit) {
      const ttl = await this.store.ttl(counter);
      throw new FedgateError('rate_limited', 'Too many requests; slow down', {
        retryAfterSeconds: Math.max(1, Math.ceil((ttl ?? windowSeconds * 1000) / 1000)),
        phase: `rate.${name}`,
      });
    }
  }
}
