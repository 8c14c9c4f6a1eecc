import { createHash } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import { MemoryStore } from '@fedgate/store';
import { IssuanceRateLimit, issuanceRateLimitConfigSchema } from './issuance-rate-limit';

/** The key every version of fedgate counts `value` under, so replicas of mixed versions share counts. */
function storeKey(kind: string, value: string): string {
  return `rate:issue:${kind}:${createHash('sha256').update(value).digest('base64url')}`;
}

describe('IssuanceRateLimit', () => {
  let store: MemoryStore;
  let limit: IssuanceRateLimit;
  const alice = { connectorId: 'corp', subject: 'alice' };
  const bob = { connectorId: 'corp', subject: 'bob' };

  beforeEach(() => {
    store = new MemoryStore();
    limit = new IssuanceRateLimit(store, { perUser: 2, perClient: 3, window: 30 });
  });

  afterEach(async () => {
    await store.close();
  });

  async function refusal(
    user: { connectorId: string; subject: string },
    address: string | undefined,
  ): Promise<FedgateError | undefined> {
    try {
      await limit.take(user, address);
      return undefined;
    } catch (error) {
      return error as FedgateError;
    }
  }

  it('counts the user and the client address under the keys earlier versions used', async () => {
    await limit.take(alice, '10.0.0.1');
    await limit.take(alice, undefined);
    expect(await store.get(storeKey('user', 'corp\nalice'))).toBe('2');
    expect(await store.get(storeKey('client', '10.0.0.1'))).toBe('1');
    expect(await store.get(storeKey('client', 'unknown'))).toBe('1');
    const ttl = await store.ttl(storeKey('user', 'corp\nalice'));
    expect(ttl).toBeGreaterThan(29_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('refuses past the per-user limit, naming the check, with a retry after the window', async () => {
    expect(await refusal(alice, '10.0.0.1')).toBeUndefined();
    expect(await refusal(alice, '10.0.0.2')).toBeUndefined();
    const refused = await refusal(alice, '10.0.0.3');
    expect(refused).toBeInstanceOf(FedgateError);
    expect([refused?.code, refused?.phase, refused?.detail, refused?.retryAfterSeconds]).toEqual([
      'rate_limited',
      'rate.issuance',
      { check: 'per-user' },
      30,
    ]);
    // Refused, so not counted against the address.
    expect(await store.get(storeKey('client', '10.0.0.3'))).toBeNull();
  });

  it('refuses past the per-client limit, and counts neither limit for a refused request', async () => {
    expect(await refusal(alice, '10.0.0.9')).toBeUndefined();
    expect(await refusal(bob, '10.0.0.9')).toBeUndefined();
    expect(await refusal({ connectorId: 'corp', subject: 'carol' }, '10.0.0.9')).toBeUndefined();
    const refused = await refusal({ connectorId: 'corp', subject: 'dave' }, '10.0.0.9');
    expect(refused?.detail).toEqual({ check: 'per-client' });
    expect(await store.get(storeKey('user', 'corp\ndave'))).toBeNull();
  });

  describe('with an injected clock', () => {
    let now: number;
    let timed: MemoryStore;

    beforeEach(() => {
      now = Date.parse('2026-01-01T00:00:00Z');
      timed = new MemoryStore({ now: () => now });
    });

    afterEach(async () => {
      await timed.close();
    });

    it('runs fixed windows: later requests do not move the end of the window', async () => {
      const fixed = new IssuanceRateLimit(timed, { perUser: 2, perClient: 100, window: 30 });
      await fixed.take(alice, '10.0.0.1');
      now += 20_000;
      await fixed.take(alice, '10.0.0.1');
      expect(await timed.ttl(storeKey('user', 'corp\nalice'))).toBe(10_000);
      expect(await timed.ttl(storeKey('client', '10.0.0.1'))).toBe(10_000);
      // The retry is due when the window that began with the first request ends.
      await expect(fixed.take(alice, '10.0.0.1')).rejects.toMatchObject({
        code: 'rate_limited',
        retryAfterSeconds: 10,
      });
      now += 10_000;
      await fixed.take(alice, '10.0.0.1');
      expect(await timed.get(storeKey('user', 'corp\nalice'))).toBe('1');
    });

    it('never refuses a steady requester who stays below the limit in every window', async () => {
      // 4 requests a minute against 5 a minute, for 10 minutes: an extending window would never
      // end, and would refuse the sixth request.
      const steady = new IssuanceRateLimit(timed, { perUser: 5, perClient: 5, window: 60 });
      for (let request = 0; request < 40; request++) {
        await steady.take(alice, '10.0.0.1');
        now += 15_000;
      }
      expect(Number(await timed.get(storeKey('user', 'corp\nalice')))).toBeLessThanOrEqual(4);
    });
  });

  it('has the documented defaults', () => {
    expect(issuanceRateLimitConfigSchema.parse({})).toEqual({ perUser: 600, perClient: 3000, window: 60 });
  });
});
