import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { FedgateError } from '@fedgate/core';
import { isSignInConnector, isTokenConnector, type TokenConnector } from './connector';

/**
 * The behaviour every token connector (token exchange, RFC 8693) must
 * share, written once and run against each with a real issuer (a local
 * one serving its JWKS over HTTP in test/token-exchange/). A new token
 * connector adds one test that calls describeTokenConnectorContract. A
 * good token gives an identity of the documented shape keyed by the
 * connector, with a stable subject that names the issuer; each way a
 * token can be wrong is refused with `assertion_invalid` and its own
 * check; a `jti` is accepted once; an unreachable key set is an outage.
 */
export interface TokenConnectorUnderTest {
  connector: TokenConnector;
  /** The same connector pointed at an issuer whose keys cannot be fetched (a closed port). */
  unreachable: TokenConnector;
  /**
   * A token the connector should accept, with `claims` replacing or (as
   * `undefined`) removing claims; `signing` forges it: signed by a key the
   * issuer does not publish, or with an algorithm it is not allowed.
   */
  mint(
    claims?: Record<string, unknown>,
    signing?: 'foreign-key' | 'disallowed-alg' | 'unsigned',
  ): Promise<string>;
  /** Seconds since the epoch, on the connector's clock. */
  nowSeconds(): number;
}

const identityShape = z.strictObject({
  connectorId: z.string().min(1),
  subject: z.string().min(1),
  username: z.string().min(1),
  email: z.string().min(3).optional(),
  emailVerified: z.boolean().optional(),
  displayName: z.string().optional(),
  groups: z.array(z.string().min(1)),
  attributes: z.record(z.string(), z.array(z.string())),
  mfa: z.strictObject({ satisfied: z.boolean(), methods: z.array(z.string()) }),
  authTime: z.iso.datetime(),
  acr: z.string().optional(),
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (error: unknown) =>
      error instanceof FedgateError
        ? `${error.code}${typeof error.detail.check === 'string' ? `/${error.detail.check}` : ''}`
        : 'not a FedgateError',
  );
}

/** Registers the contract's tests for one token connector; `setup` is read when the tests run. */
export function describeTokenConnectorContract(name: string, setup: () => TokenConnectorUnderTest): void {
  describe(`token connector contract: ${name}`, () => {
    it('is a token connector and no sign-in choice', () => {
      const { connector } = setup();
      expect(isTokenConnector(connector)).toBe(true);
      expect(isSignInConnector(connector)).toBe(false);
    });

    it('returns an identity of the documented shape, keyed by this connector, with a stable subject naming the issuer', async () => {
      const under = setup();
      const subjects = new Set<string>();
      for (let round = 0; round < 2; round += 1) {
        const signedIn = await under.connector.exchange(await under.mint(), {});
        const identity = identityShape.parse(signedIn.identity);
        expect(identity.connectorId).toBe(under.connector.id);
        expect(identity.subject.startsWith(under.connector.issuer)).toBe(true);
        expect(identity.groups).toEqual([...new Set(identity.groups)].sort());
        expect(identity.email === undefined || identity.emailVerified !== true).toBe(true);
        subjects.add(identity.subject);
      }
      expect(subjects.size).toBe(1);
    });

    it('refuses each kind of bad token with its own check', async () => {
      const under = setup();
      const now = under.nowSeconds();
      const cases: [string, Promise<string>][] = [
        ['signature', under.mint({}, 'foreign-key')],
        ['alg', under.mint({}, 'disallowed-alg')],
        ['alg', under.mint({}, 'unsigned')],
        ['issuer', under.mint({ iss: 'https://elsewhere.example' })],
        ['audience', under.mint({ aud: 'someone-else' })],
        ['expired', under.mint({ iat: now - 600, exp: now - 300 })],
        ['not_yet_valid', under.mint({ iat: now + 600, exp: now + 900 })],
        ['missing_claim', under.mint({ exp: undefined })],
        ['format', Promise.resolve('not-a-jwt')],
      ];
      for (const [check, token] of cases) {
        expect([check, await refusal(under.connector.exchange(await token, {}))]).toEqual([
          check,
          `assertion_invalid/${check}`,
        ]);
      }
    });

    it('accepts a token with a jti once', async () => {
      const under = setup();
      const token = await under.mint({ jti: `contract-${Math.random().toString(36).slice(2)}` });
      await under.connector.exchange(token, {});
      expect(await refusal(under.connector.exchange(token, {}))).toBe('assertion_invalid/replayed');
    });

    it('is an outage, never an acceptance, when the keys cannot be fetched', async () => {
      const under = setup();
      expect(await refusal(under.unreachable.exchange(await under.mint(), {}))).toMatch(/^idp_unavailable/);
    });
  });
}
