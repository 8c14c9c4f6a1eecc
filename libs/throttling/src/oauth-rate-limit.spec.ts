import { createHash } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import { MemoryStore } from '@fedgate/store';
import { OAuthRateLimit, oauthRateLimitConfigSchema } from './oauth-rate-limit';

describe('OAuthRateLimit', () => {
  let store: MemoryStore;
  let limit: OAuthRateLimit;
  const alice = { connectorId: 'corp', subject: 'alice' };

  beforeEach(() => {
    store = new MemoryStore();
    limit = new OAuthRateLimit(store, { perAddress: 5, perClient: 3, perUser: 2, window: 60 });
  });

  afterEach(async () => {
    await store.close();
  });

  async function refusal(subject: Parameters<OAuthRateLimit['take']>[0]): Promise<FedgateError | undefined> {
    try {
      await limit.take(subject);
      return undefined;
    } catch (error) {
      return error as FedgateError;
    }
  }

  it('refuses past each limit, naming the check, with a retry after the window', async () => {
    expect(await refusal({ address: '10.0.0.1', clientId: 'cli', user: alice })).toBeUndefined();
    expect(await refusal({ clientId: 'cli', user: alice })).toBeUndefined();
    const perUser = await refusal({ clientId: 'other', user: alice });
    expect([perUser?.code, perUser?.phase, perUser?.detail]).toEqual([
      'rate_limited',
      'rate.oauth',
      { check: 'per-user' },
    ]);
    expect(perUser?.retryAfterSeconds).toBe(60);

    expect(await refusal({ clientId: 'cli' })).toBeUndefined();
    expect((await refusal({ clientId: 'cli' }))?.detail).toEqual({ check: 'per-client' });
  });

  it('counts all or none: a request refused by one limit is not counted against the others', async () => {
    await limit.take({ user: alice });
    await limit.take({ user: alice });
    for (let index = 0; index < 4; index += 1) {
      expect((await refusal({ address: '10.0.0.2', user: alice }))?.detail).toEqual({ check: 'per-user' });
    }
    // The address was charged for none of the four refusals: five requests still fit.
    for (let index = 0; index < 5; index += 1) {
      expect(await refusal({ address: '10.0.0.2' })).toBeUndefined();
    }
    expect((await refusal({ address: '10.0.0.2' }))?.detail).toEqual({ check: 'per-address' });
  });

  it('counts under the keys earlier versions used, so replicas of mixed versions share counts', async () => {
    const key = (kind: string, value: string): string =>
      `rate:oauth:${kind}:${createHash('sha256').update(value).digest('base64url')}`;
    await limit.take({ address: '10.0.0.1', clientId: 'cli', user: alice });
    await limit.take({ clientId: 'cli' });
    expect(await store.get(key('address', '10.0.0.1'))).toBe('1');
    expect(await store.get(key('client', 'cli'))).toBe('2');
    expect(await store.get(key('user', 'corp\nalice'))).toBe('1');
  });

  it('counts nothing for a request with nothing known', async () => {
    await limit.take({});
    expect(store.size).toBe(0);
  });

  describe('with an injected clock', () => {
    const key = (kind: string, value: string): string =>
      `rate:oauth:${kind}:${createHash('sha256').update(value).digest('base64url')}`;
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
      const fixed = new OAuthRateLimit(timed, { perAddress: 2, perClient: 2, perUser: 2, window: 60 });
      const subject = { address: '10.0.0.1', clientId: 'cli', user: alice };
      await fixed.take(subject);
      now += 45_000;
      await fixed.take(subject);
      const ttls = await Promise.all(
        [key('address', '10.0.0.1'), key('client', 'cli'), key('user', 'corp\nalice')].map((name) =>
          timed.ttl(name),
        ),
      );
      expect(ttls).toEqual([15_000, 15_000, 15_000]);
      await expect(fixed.take(subject)).rejects.toMatchObject({
        code: 'rate_limited',
        retryAfterSeconds: 15,
      });
      now += 15_000;
      await fixed.take(subject);
    });

    it('never refuses a steady requester who stays below the limit in every window', async () => {
      // 3 requests a minute against 4 a minute, for 10 minutes: an extending window would never
      // end, and would refuse the fifth request.
      const steady = new OAuthRateLimit(timed, { perAddress: 4, perClient: 4, perUser: 4, window: 60 });
      for (let request = 0; request < 30; request++) {
        await steady.take({ address: '10.0.0.1', clientId: 'cli', user: alice });
        now += 20_000;
      }
      expect(Number(await timed.get(key('user', 'corp\nalice')))).toBeLessThanOrEqual(3);
    });
  });

  it('has defaults that keep the per-address limit these endpoints had', () => {
    expect(oauthRateLimitConfigSchema.parse({})).toEqual({
      perAddress: 120,
      perClient: 3000,
      perUser: 120,
      window: 60,
    });
  });
});
