import { FedgateError } from '@fedgate/core';
import { MemoryStore } from '@fedgate/store';
import { LoginThrottle, type LoginAttempt, type LoginReservation } from './login-throttle';

describe('LoginThrottle', () => {
  let now: number;
  let store: MemoryStore;
  let throttle: LoginThrottle;

  beforeEach(() => {
    now = Date.parse('2026-01-01T00:00:00Z');
    store = new MemoryStore({ now: () => now });
    throttle = new LoginThrottle(store, {
      maxFailuresPerUserAndClient: 2,
      maxFailuresPerUser: 4,
      maxFailuresPerClient: 6,
      maxFailuresPerDevice: 2,
      windowSeconds: 600,
      deviceLifetimeSeconds: 3600,
    });
  });

  afterEach(async () => {
    await store.close();
  });

  const attempt = (overrides: Partial<LoginAttempt> = {}): LoginAttempt => ({
    connectorId: 'corp',
    account: 'alice',
    clientAddress: '10.0.0.1',
    ...overrides,
  });

  async function refusal(overrides: Partial<LoginAttempt> = {}): Promise<FedgateError | undefined> {
    try {
      await (await throttle.reserve(attempt(overrides))).failed();
      return undefined;
    } catch (error) {
      return error as FedgateError;
    }
  }

  async function fail(overrides: Partial<LoginAttempt>, times: number): Promise<void> {
    for (let index = 0; index < times; index++) {
      expect(await refusal(overrides)).toBeUndefined();
    }
  }

  it('refuses an account from one client after its failures there, then the account from anywhere', async () => {
    await fail({ clientAddress: '10.0.0.1' }, 2);
    const perPair = await refusal({ clientAddress: '10.0.0.1' });
    expect(perPair?.code).toBe('rate_limited');
    expect(perPair?.detail).toEqual({ connector: 'corp', limit: 'per-user-and-client' });
    expect(perPair?.retryAfterSeconds).toBe(600);

    await fail({ clientAddress: '10.0.0.2' }, 2);
    const ceiling = await refusal({ clientAddress: '10.0.0.3' });
    expect(ceiling?.detail).toEqual({ connector: 'corp', limit: 'per-user' });
    // Another account from the same clients is still let through.
    expect(await refusal({ account: 'bob', clientAddress: '10.0.0.3' })).toBeUndefined();
  });

  // Unlike the rate limits' fixed windows: each counted failure restarts the window (an extending window).
  it('restarts the window at each counted failure: a counter ends a window after its latest failure', async () => {
    await fail({}, 1);
    now += 400_000;
    await fail({}, 1);
    expect((await refusal())?.retryAfterSeconds).toBe(600);
    now += 599_000;
    expect((await refusal())?.retryAfterSeconds).toBe(1);
    now += 1_001;
    expect(await refusal()).toBeUndefined();
  });

  it('refuses a client after failures spread over many accounts, and attempts that name no account', async () => {
    for (let index = 0; index < 6; index++) {
      expect(await refusal({ account: `user${index}`, clientAddress: '192.0.2.7' })).toBeUndefined();
    }
    expect((await refusal({ account: 'someone-new', clientAddress: '192.0.2.7' }))?.detail.limit).toBe(
      'per-client',
    );
    expect((await refusal({ account: undefined, clientAddress: '192.0.2.7' }))?.detail.limit).toBe(
      'per-client',
    );
    expect(await refusal({ account: 'someone-new', clientAddress: '192.0.2.8' })).toBeUndefined();
  });

  it('lets no more than the limit through when attempts race', async () => {
    const reservations = await Promise.allSettled(
      Array.from({ length: 30 }, (_, index) =>
        throttle.reserve(attempt({ clientAddress: `10.1.0.${index}` })),
      ),
    );
    expect(reservations.filter((result) => result.status === 'fulfilled')).toHaveLength(4);
  });

  it('gives back attempts that succeeded or had no verdict', async () => {
    for (let index = 0; index < 5; index++) {
      const reservation = await throttle.reserve(attempt());
      await (index % 2 === 0 ? reservation.succeeded() : reservation.abandoned());
    }
    await fail({}, 2);
    expect((await refusal())?.detail.limit).toBe('per-user-and-client');
  });

  it('settles a reservation once', async () => {
    const reservation: LoginReservation = await throttle.reserve(attempt());
    await reservation.failed();
    expect(await reservation.succeeded()).toBeUndefined();
    await reservation.abandoned();
    await fail({}, 1);
    expect((await refusal())?.detail.limit).toBe('per-user-and-client');
  });

  it("keeps the owner's device allowance after strangers spent the account's", async () => {
    const signedIn = await throttle.reserve(attempt({ clientAddress: '10.0.0.9' }));
    const grant = await signedIn.succeeded();
    expect(grant?.maxAgeSeconds).toBe(3600);
    expect(grant?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    await fail({ clientAddress: '10.6.6.1' }, 2);
    await fail({ clientAddress: '10.6.6.2' }, 2);
    expect((await refusal({ clientAddress: '10.0.0.9' }))?.detail.limit).toBe('per-user');

    const owner = { clientAddress: '10.0.0.9', device: grant?.token };
    await fail(owner, 2);
    expect((await refusal(owner))?.detail.limit).toBe('per-device');
  });

  it('gives a device token no weight for another account, another connector, or once it is replaced', async () => {
    const first = await (await throttle.reserve(attempt())).succeeded();
    await fail({ clientAddress: '10.6.6.1' }, 2);
    await fail({ clientAddress: '10.6.6.2' }, 2);
    await fail({ account: 'bob', clientAddress: '10.6.6.1' }, 2);
    await fail({ account: 'bob', clientAddress: '10.6.6.2' }, 2);
    expect((await refusal({ account: 'bob', device: first?.token }))?.detail.limit).toBe('per-user');
    expect(await refusal({ connectorId: 'other', device: first?.token })).toBeUndefined();
    expect(await refusal({ device: first?.token })).toBeUndefined();

    // A new sign-in replaces the token: the old one stops vouching, the new one carries on.
    const second = await (await throttle.reserve(attempt({ device: first?.token }))).succeeded();
    expect(second?.token).not.toBe(first?.token);
    expect((await refusal({ device: first?.token }))?.detail.limit).toBe('per-user');
    expect(await refusal({ device: second?.token })).toBeUndefined();
  });

  it('forgets a device once its lifetime has passed', async () => {
    const grant = await (await throttle.reserve(attempt())).succeeded();
    await fail({ clientAddress: '10.6.6.1' }, 2);
    await fail({ clientAddress: '10.6.6.2' }, 2);
    now += 3600_001;
    // The strangers' failures have expired too; spend the account again.
    await fail({ clientAddress: '10.6.6.1' }, 2);
    await fail({ clientAddress: '10.6.6.2' }, 2);
    expect((await refusal({ device: grant?.token }))?.detail.limit).toBe('per-user');
  });

  it('ignores a device cookie that is not a token it issued', async () => {
    await fail({ clientAddress: '10.6.6.1' }, 2);
    await fail({ clientAddress: '10.6.6.2' }, 2);
    for (const device of ['', 'x', 'a'.repeat(43), 'a'.repeat(5000)]) {
      expect((await refusal({ device }))?.detail.limit).toBe('per-user');
    }
  });

  it('fails closed when the store is gone', async () => {
    await store.close();
    await expect(throttle.reserve(attempt())).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});
