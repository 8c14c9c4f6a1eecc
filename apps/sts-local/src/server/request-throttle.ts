import { StsError } from '../sts/sts-error';

/** Token-bucket settings: a steady rate and the burst allowed above it. */
export interface ThrottleSettings {
  requestsPerSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets idle this long are full again and can be forgotten. */
const FORGET_AFTER_MS = 60_000;

/**
 * AWS STS throttles callers (docs/mapping.md#limits: "STS throttles (`Throttling`);
 * quotas can't be raised"). sts-local can do the same, per caller (access
 * key id, or source address for unsigned calls), so clients' retry and
 * backoff can be tested against the real error.
 */
export class RequestThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly settings: ThrottleSettings) {}

  /** Takes one request from the caller's bucket, or throws Throttling. */
  take(caller: string, now: number): void {
    this.forgetIdle(now);
    const bucket = this.buckets.get(caller) ?? { tokens: this.settings.burst, updatedAt: now };
    const refilled = Math.min(
      this.settings.burst,
      bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.settings.requestsPerSecond,
    );
    if (refilled < 1) {
      this.buckets.set(caller, { tokens: refilled, updatedAt: now });
      throw new StsError('Throttling', 'Rate exceeded');
    }
    this.buckets.set(caller, { tokens: refilled - 1, updatedAt: now });
  }

  private forgetIdle(now: number): void {
    for (const [caller, bucket] of this.buckets) {
      if (now - bucket.updatedAt > FORGET_AFTER_MS) {
        this.buckets.delete(caller);
      }
    }
  }
}
