import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { FedgateError } from '@fedgate/core';
import type { CallbackConnector, CallbackRequest } from './connector';

/**
 * The behaviour every callback (OAuth 2 redirect) connector must share,
 * written once and run against each of them with its real provider or a
 * local server that answers as the provider documents (OIDC on
 * oidc-provider in test/oidc/, GitHub on a local GitHub in test/github/). A
 * new callback connector adds one test that calls
 * describeCallbackConnectorContract. The authorization
 * URL carries the flow's state, PKCE S256 challenge and exact redirect URI;
 * a sign-in gives an identity of the documented shape with a stable
 * subject; a replayed code and the provider's error answer are refused; an
 * unreachable provider is an outage, never a sign-in.
 */
export interface CallbackConnectorUnderTest {
  connector: CallbackConnector;
  /** The connector pointed at a provider that does not answer (a closed port). */
  unreachable: CallbackConnector;
  callbackUrl: string;
  /** The user at the provider: follows the authorization URL, returns the callback's query. */
  approve(authorizationUrl: string): Promise<Record<string, string>>;
  /** The user at the provider, declining: the callback's query carries an OAuth error. */
  decline(authorizationUrl: string): Promise<Record<string, string>>;
}

/** The documented shape of an Identity (docs/architecture.md). */
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

interface Attempt {
  url: URL;
  state: string;
  codeVerifier: string;
  nonce: string;
}

async function begin(under: CallbackConnectorUnderTest, connector = under.connector): Promise<Attempt> {
  const state = randomBytes(16).toString('base64url');
  const nonce = randomBytes(16).toString('base64url');
  const codeVerifier = randomBytes(32).toString('base64url');
  const { url } = await connector.loginUrl(
    {
      callbackUrl: under.callbackUrl,
      state,
      nonce,
      codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    },
    { clientAddress: '127.0.0.1' },
  );
  return { url: new URL(url), state, codeVerifier, nonce };
}

function callback(
  under: CallbackConnectorUnderTest,
  attempt: Attempt,
  query: Record<string, string>,
): CallbackRequest {
  return { callbackUrl: under.callbackUrl, query, nonce: attempt.nonce, codeVerifier: attempt.codeVerifier };
}

async function outcomeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'signed in',
    (error: unknown) => (error instanceof FedgateError ? error.code : 'not a FedgateError'),
  );
}

/** Registers the contract's tests for one callback connector; `setup` is read when the tests run. */
export function describeCallbackConnectorContract(
  name: string,
  setup: () => CallbackConnectorUnderTest,
): void {
  describe(`callback connector contract: ${name}`, () => {
    it("sends the flow's state, the PKCE S256 challenge and the exact redirect URI", async () => {
      const under = setup();
      const attempt = await begin(under);
      const params = attempt.url.searchParams;
      expect(params.get('state')).toBe(attempt.state);
      expect(params.get('redirect_uri')).toBe(under.callbackUrl);
      expect(params.get('code_challenge_method')).toBe('S256');
      expect(params.get('code_challenge')).toBe(
        createHash('sha256').update(attempt.codeVerifier).digest('base64url'),
      );
    });

    it('returns an identity of the documented shape, keyed by this connector, with a stable subject', async () => {
      const under = setup();
      const subjects = new Set<string>();
      for (let round = 0; round < 2; round += 1) {
        const attempt = await begin(under);
        const query = await under.approve(attempt.url.href);
        const signedIn = await under.connector.handleCallback(callback(under, attempt, query), {});
        const identity = identityShape.parse(signedIn.identity);
        expect(identity.connectorId).toBe(under.connector.id);
        expect(identity.groups).toEqual([...new Set(identity.groups)].sort());
        // An email fedgate matches rules on must be verified by its source.
        expect(identity.email === undefined || identity.emailVerified === true).toBe(true);
        expect(Math.abs(Date.parse(identity.authTime) - Date.now())).toBeLessThan(60_000);
        subjects.add(identity.subject);
      }
      expect(subjects.size).toBe(1);
    });

    it('refuses a code used twice', async () => {
      const under = setup();
      const attempt = await begin(under);
      const query = await under.approve(attempt.url.href);
      await under.connector.handleCallback(callback(under, attempt, query), {});
      expect(await outcomeOf(under.connector.handleCallback(callback(under, attempt, query), {}))).toBe(
        'assertion_invalid',
      );
    });

    it("refuses the provider's error answer, and a return without a code", async () => {
      const under = setup();
      const attempt = await begin(under);
      const declined = await under.decline(attempt.url.href);
      expect(declined.error).toBeDefined();
      expect(await outcomeOf(under.connector.handleCallback(callback(under, attempt, declined), {}))).toBe(
        'assertion_invalid',
      );
      const bare = { state: attempt.state };
      expect(await outcomeOf(under.connector.handleCallback(callback(under, attempt, bare), {}))).toBe(
        'assertion_invalid',
      );
    });

    it('reports an unreachable provider as an outage, never as a sign-in or a refusal', async () => {
      const under = setup();
      const attempt = await begin(under);
      const query = { code: 'a-code-nobody-can-redeem', state: attempt.state };
      expect(await outcomeOf(under.unreachable.handleCallback(callback(under, attempt, query), {}))).toBe(
        'idp_unavailable',
      );
    });
  });
}
