import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { FedgateError } from '@fedgate/core';
import type { PasswordConnector } from '@fedgate/connectors';
import { SessionManager, UserRevocations } from '@fedgate/sessions';
import type { Store } from '@fedgate/store';
import { LoginThrottle, type LoginThrottleLimits } from '@fedgate/throttling';
import type { AuditEvent } from '../audit';
import { PasswordSignIn, type PasswordSignInRequest } from './password-sign-in';

/**
 * Sign-in abuse properties every password connector must have once it is
 * behind the password sign-in flow, with the real LoginThrottle over the
 * store the caller opens (a real Redis in the integration tests): every
 * spelling of an account is one throttle key, concurrent attempts never
 * pass a limit, control characters are refused before anything counts or
 * asks the source, and the owner's device keeps its allowance. Each test
 * file that runs the connector contract (libs/connectors/src/connector.contract.ts)
 * calls this next to it.
 *
 * The limits below let at most MAX_FAILURES_PER_USER + MAX_FAILURES_PER_DEVICE
 * wrong passwords reach the source per test; a directory under test must
 * lock accounts only above that.
 */
export interface PasswordSignInUnderTest {
  /** The connector, against its real, running source. */
  connector: PasswordConnector;
  /** One account that exists, in every spelling its users may type, and its password. */
  known: { spellings: readonly string[]; password: string };
  /** A store on the real backend under a key prefix of its own (the contract closes it). */
  openStore(): Promise<Store>;
}

export const SIGN_IN_CONTRACT_LIMITS: LoginThrottleLimits = {
  maxFailuresPerUserAndClient: 2,
  maxFailuresPerUser: 3,
  maxFailuresPerClient: 50,
  maxFailuresPerDevice: 1,
  windowSeconds: 600,
  deviceLifetimeSeconds: 3600,
};

const UNHOLDABLE = ['alice\u0000', 'al\u0007ice', 'alice\u200b', '\u202ealice', 'alice\u2028'];

/** The connector as the flow sees it, counting the logins that reach it. */
function counted(connector: PasswordConnector): { connector: PasswordConnector; logins: () => number } {
  let logins = 0;
  return {
    logins: () => logins,
    connector: {
      id: connector.id,
      type: connector.type,
      displayName: connector.displayName,
      canonicalUsername: (typed) => connector.canonicalUsername(typed),
      login: (account, password, context) => {
        logins++;
        return connector.login(account, password, context);
      },
    },
  };
}

/** The code a sign-in failed with, or 'signed in'. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'signed in';
  } catch (error) {
    return error instanceof FedgateError ? error.code : `not a FedgateError: ${String(error)}`;
  }
}

/**
 * Registers the sign-in abuse tests for one password connector; `setup` is
 * read when the tests run.
 */
export function describePasswordSignInContract(name: string, setup: () => PasswordSignInUnderTest): void {
  describe(`password sign-in contract: ${name}`, () => {
    let store: Store;
    let flow: PasswordSignIn;
    let logins: () => number;
    let audit: AuditEvent[];
    let request: (typed: string, password: string, clientAddress: string) => PasswordSignInRequest;

    beforeEach(async () => {
      const { connector, known } = setup();
      // A success straight through the connector resets the source's own failure count (AD's badPwdCount).
      const account = connector.canonicalUsername(known.spellings[0] ?? '');
      if (account.kind === 'account') {
        await connector.login(account.account, known.password, {});
      }
      store = await setup().openStore();
      const observed = counted(connector);
      logins = observed.logins;
      audit = [];
      flow = new PasswordSignIn({
        connectors: { get: (id) => (id === connector.id ? observed.connector : undefined) },
        guard: new LoginThrottle(store, SIGN_IN_CONTRACT_LIMITS),
        sessions: new SessionManager(store, { idleSeconds: 600, absoluteSeconds: 3600 }),
        audit: { record: (event) => audit.push(event) },
      });
      request = (typed, password, clientAddress) => ({
        connectorId: connector.id,
        username: typed,
        password,
        clientAddress,
      });
    });

    afterEach(async () => {
      await store.close();
    });

    it('refuses control and invisible characters (invalid_request) before the throttle or the source', async () => {
      const { known } = setup();
      for (const typed of UNHOLDABLE) {
        for (let attempt = 0; attempt < 20; attempt++) {
          expect(await outcome(flow.signIn(request(typed, `${known.password}-wrong`, '192.0.2.1')))).toBe(
            'invalid_request',
          );
        }
      }
      expect(logins()).toBe(0);
      // Nothing was counted: the client's and the account's allowances are whole.
      expect(await outcome(flow.signIn(request(known.spellings[0] ?? '', known.password, '192.0.2.1')))).toBe(
        'signed in',
      );
      expect(audit.filter((event) => event.outcome === 'refused')).toHaveLength(UNHOLDABLE.length * 20);
    });

    it('lets concurrent wrong passwords in every spelling reach the source only up to the limit', async () => {
      const { known } = setup();
      const spellings = known.spellings;
      const attempts = Array.from({ length: 4 * spellings.length + 8 }, (_, index) =>
        outcome(
          flow.signIn(
            request(
              spellings[index % spellings.length] ?? '',
              `${known.password}-wrong`,
              `192.0.2.${index % 4}`,
            ),
          ),
        ),
      );
      const outcomes = await Promise.all(attempts);
      expect(logins()).toBe(SIGN_IN_CONTRACT_LIMITS.maxFailuresPerUser);
      expect(outcomes.filter((code) => code === 'invalid_credentials')).toHaveLength(
        SIGN_IN_CONTRACT_LIMITS.maxFailuresPerUser,
      );
      expect(new Set(outcomes.filter((code) => code !== 'invalid_credentials'))).toEqual(
        new Set(['rate_limited']),
      );
      // Once spent, the account's allowance is spent for every client, in every spelling.
      const single = await Promise.all(
        spellings.map((typed) =>
          outcome(flow.signIn(request(typed, `${known.password}-wrong`, '198.51.100.1'))),
        ),
      );
      expect(single.every((code) => code === 'rate_limited')).toBe(true);
      expect(logins()).toBe(SIGN_IN_CONTRACT_LIMITS.maxFailuresPerUser);
    });

    it("keeps the owner's device allowance while strangers are throttled, even behind one address", async () => {
      const { known } = setup();
      const [typed = '', other = typed] = known.spellings;
      const proxy = '203.0.113.10';
      const first = await flow.signIn(request(typed, known.password, proxy));
      const device = first.device?.token;
      expect(device).toMatch(/^[A-Za-z0-9_-]{43}$/);

      // Strangers, some behind the owner's own address, spend the account's allowance at once.
      const strangers = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          outcome(
            flow.signIn(request(other, `guess-${index}`, index % 2 === 0 ? proxy : `198.51.100.${index}`)),
          ),
        ),
      );
      expect(strangers.filter((code) => code === 'invalid_credentials')).toHaveLength(
        SIGN_IN_CONTRACT_LIMITS.maxFailuresPerUser,
      );
      expect(await outcome(flow.signIn(request(typed, known.password, proxy)))).toBe('rate_limited');

      const owner = await flow.signIn({ ...request(other, known.password, proxy), device });
      expect(owner.device?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(owner.device?.token).not.toBe(device);
      // The device allowance is the owner's own, and bounded too.
      const renewed = owner.device?.token;
      expect(await outcome(flow.signIn({ ...request(typed, 'mistyped', proxy), device: renewed }))).toBe(
        'invalid_credentials',
      );
      expect(await outcome(flow.signIn({ ...request(typed, known.password, proxy), device: renewed }))).toBe(
        'rate_limited',
      );
      expect(logins()).toBe(
        2 + SIGN_IN_CONTRACT_LIMITS.maxFailuresPerUser + SIGN_IN_CONTRACT_LIMITS.maxFailuresPerDevice,
      );
    });

    it('refuses a user an administrator blocked (access_revoked) under every spelling, audited', async () => {
      const { known } = setup();
      const first = await flow.signIn(request(known.spellings[0] ?? '', known.password, '192.0.2.60'));
      const { connectorId, username } = first.session.identity;
      await new UserRevocations(store, { keepSeconds: 3600 }).revoke(
        connectorId,
        username.toUpperCase(),
        600,
      );
      for (const typed of known.spellings) {
        expect(await outcome(flow.signIn(request(typed, known.password, '192.0.2.60')))).toBe(
          'access_revoked',
        );
        expect(audit.at(-1)).toMatchObject({ event: 'login', outcome: 'refused', error: 'access_revoked' });
      }
      // The refusal came after the source accepted the password: nothing is counted against the account.
      expect(audit.filter((event) => event.outcome === 'failure')).toEqual([]);
    });
  });
}
