import { createHash, randomBytes } from 'node:crypto';
import { OidcConnector, oidcConnectorConfigSchema, type SignedIn } from '@fedgate/connectors';
import { FedgateError } from '@fedgate/core';
import { signInAtProvider } from './oidc-provider-harness';

export const CALLBACK_URL = 'https://fedgate.test/auth/corp/callback';
export const CLIENT_SECRET = 'test-client-secret-that-is-long-enough-0123456789';

/** The accounts of the test provider (login name = `sub`). */
export function testAccounts(): Record<string, Record<string, unknown>> {
  return {
    alice: {
      email: 'alice@corp.example',
      email_verified: true,
      name: 'Alice Liddell',
      preferred_username: 'alice',
      groups: ['ops', 'eng', 'ops'],
      department: 'Data',
      hd: 'corp.example',
      tid: '11111111-2222-3333-4444-555555555555',
    },
    mallory: {
      email: 'mallory@corp.example',
      email_verified: false,
      preferred_username: 'mallory',
      hd: 'other.example',
      tid: '99999999-2222-3333-4444-555555555555',
    },
  };
}

/** An OIDC connector from a config entry, validated by its schema like the broker's. */
export function oidcConnector(
  entry: Record<string, unknown>,
  dependencies: ConstructorParameters<typeof OidcConnector>[1] = {},
): OidcConnector {
  const config = oidcConnectorConfigSchema.parse({
    id: 'corp',
    type: 'oidc',
    clientId: 'fedgate',
    clientSecret: CLIENT_SECRET,
    claims: { groups: 'groups', attributes: { department: 'department' } },
    ...entry,
  });
  return new OidcConnector(config, dependencies);
}

/** One redirect sign-in as the flow drives it: state, nonce and PKCE verifier made here, the user at the provider. */
export interface SignInAttempt {
  authorizationUrl: string;
  query: Record<string, string>;
  nonce: string;
  codeVerifier: string;
}

export async function startAttempt(connector: OidcConnector, login: string): Promise<SignInAttempt> {
  const nonce = randomBytes(16).toString('base64url');
  const codeVerifier = randomBytes(32).toString('base64url');
  const { url } = await connector.loginUrl(
    {
      callbackUrl: CALLBACK_URL,
      state: randomBytes(16).toString('base64url'),
      nonce,
      codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    },
    {},
  );
  const query = await signInAtProvider(url, login, CALLBACK_URL);
  return { authorizationUrl: url, query, nonce, codeVerifier };
}

export function complete(
  connector: OidcConnector,
  attempt: SignInAttempt,
  change: Partial<Pick<SignInAttempt, 'query' | 'nonce' | 'codeVerifier'>> = {},
): Promise<SignedIn> {
  return connector.handleCallback(
    {
      callbackUrl: CALLBACK_URL,
      query: change.query ?? attempt.query,
      nonce: change.nonce ?? attempt.nonce,
      codeVerifier: change.codeVerifier ?? attempt.codeVerifier,
    },
    {},
  );
}

export async function signIn(connector: OidcConnector, login: string): Promise<SignedIn> {
  return complete(connector, await startAttempt(connector, login));
}

/** The refusal a promise ends with: code, phase and check, for one-line assertions. */
export async function refusalOf(
  promise: Promise<unknown>,
): Promise<{ code: string; phase: string | undefined; check: unknown } | 'accepted'> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (!(error instanceof FedgateError)) {
      throw error;
    }
    return { code: error.code, phase: error.phase, check: error.detail.check };
  }
}
