import { FedgateError } from '@fedgate/core';
import { MemoryStore } from '@fedgate/store';
import { LoginThrottle } from './login-throttle';

describe('LoginThrottle', () => {
  let now: number;
  let store: MemoryStore;
  let throttle: LoginThrottle;

  beforeEach(() => {
    now = Date.parse('2026-01-01T00:00:00Z');
    store = new MemoryStore({ now: () => now });
    throttle = new LoginThrottle(store, {
      maxFailuresPerUser: 3,
      maxFailuresPerClient: 5,
      windowSeconds: 600,
    });
  });

  afterEach(async () => {
    await store.close();
  });

  async function refusal(username: string, client: string): Promise<FedgateError | undefined> {
    try {
      await throttle.check('corp', username, client);
      return undefined;
    } catch (error) {
      return error as FedgateError;
    }
  }

  it('refuses a username after its failures, whatever the client, until the window ends', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(await refusal('alice', `10.0.0.${attempt}`)).toBeUndefined();
      await throttle.recordFailure('corp', 'alice', `10.0.0.${attempt}`);
    }
    const refused = await refusal('ALICE ', '10.9.9.9');
    expect(refused?.code).toBe('rate_limited');
    expect(refused?.detail).toEqual({ connector: 'corp', limit: 'per-username' });
    expect(refused?.retryAfterSeconds).toBe(600);
    now += 400_000;
    expect((await refusal('alice', '10.9.9.9'))?.retryAfterSeconds).toBe(200);
    now += 200_001;
    expect(await refusal('alice', '10.9.9.9')).toBeUndefined();
  });

  it('refuses a client after failures spread over many usernames', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      await throttle.recordFailure('corp', `user${attempt}`, '192.0.2.7');
    }
    expect((await refusal('someone-new', '192.0.2.7'))?.detail.limit).toBe('per-client');
    expect(await refusal('someone-new', '192.0.2.8')).toBeUndefined();
  });

  it('keeps connectors apart, and clears the username after a success', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      await throttle.recordFailure('corp', 'alice', '10.0.0.1');
    }
    await throttle.recordSuccess('corp', 'alice');
    await throttle.recordFailure('corp', 'alice', '10.0.0.1');
    await throttle.recordFailure('corp', 'alice', '10.0.0.1');
    expect(await refusal('alice', '10.0.0.1')).toBeUndefined();
    await throttle.recordFailure('other', 'alice', '10.0.0.2');
    expect(await refusal('alice', '10.0.0.3')).toBeUndefined();
  });

  it('fails closed when the store is gone', async () => {
    await store.close();
    await expect(throttle.check('corp', 'alice', '10.0.0.1')).rejects.toMatchObject({
      code: 'store_unavailable',
    });
  });
});
