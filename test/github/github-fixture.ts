import { createHash, randomBytes } from 'node:crypto';
import { GithubConnector, githubConnectorConfigSchema, type SignedIn } from '@fedgate/connectors';
import { FedgateError } from '@fedgate/core';
import type { TestGithub, TestGithubUser } from './github-server';

export const CALLBACK_URL = 'https://fedgate.test/auth/github/callback';
export const CLIENT_ID = 'Iv1.0123456789abcdef';
/** A GitHub App whose user tokens expire and come with refresh tokens. */
export const APP_CLIENT_ID = 'Iv23li0123456789abcd';
export const CLIENT_SECRET = 'test-github-client-secret-0123456789abcdef';

/** The test GitHub's users: a member of `corp`, an outsider, and one without a verified primary email. */
export function testUsers(): TestGithubUser[] {
  return [
    {
      id: 1001,
      login: 'Alice-Octo',
      name: 'Alice Liddell',
      emails: [
        { email: 'alice@users.noreply.github.com', primary: false, verified: true },
        { email: 'alice@corp.example', primary: true, verified: true },
        { email: 'alice@hobby.example', primary: false, verified: false },
      ],
      orgs: ['Corp', 'hobby-club'],
      teams: ['Corp/platform', 'Corp/sre', 'hobby-club/chess'],
    },
    {
      id: 1002,
      login: 'bob',
      name: null,
      emails: [{ email: 'bob@elsewhere.example', primary: true, verified: true }],
      orgs: ['elsewhere'],
      teams: ['elsewhere/devs'],
    },
    {
      id: 1003,
      login: 'carol',
      name: 'Carol',
      emails: [
        { email: 'carol@corp.example', primary: true, verified: false },
        { email: 'carol@other.example', primary: false, verified: true },
      ],
      orgs: ['corp'],
      teams: [],
    },
  ];
}

/** A GitHub connector from a config entry, validated by its schema like the broker's. */
export function githubConnector(entry: Record<string, unknown>): GithubConnector {
  return new GithubConnector(
    githubConnectorConfigSchema.parse({
      id: 'github',
      type: 'github',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      orgs: ['corp'],
      ...entry,
    }),
  );
}

/** One redirect sign-in as the flow drives it: state and PKCE verifier made here, the user at GitHub. */
export interface SignInAttempt {
  authorizationUrl: string;
  query: Record<string, string>;
  codeVerifier: string;
}

export async function startAttempt(
  connector: GithubConnector,
  github: TestGithub,
  login: string,
): Promise<SignInAttempt> {
  const codeVerifier = randomBytes(32).toString('base64url');
  const { url } = await connector.loginUrl(
    {
      callbackUrl: CALLBACK_URL,
      state: randomBytes(16).toString('base64url'),
      nonce: randomBytes(16).toString('base64url'),
      codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    },
    {},
  );
  github.signedInAs = login;
  return { authorizationUrl: url, query: await github.approve(url), codeVerifier };
}

export function complete(
  connector: GithubConnector,
  attempt: SignInAttempt,
  change: Partial<Pick<SignInAttempt, 'query' | 'codeVerifier'>> = {},
): Promise<SignedIn> {
  return connector.handleCallback(
    {
      callbackUrl: CALLBACK_URL,
      query: change.query ?? attempt.query,
      nonce: 'unused-by-github',
      codeVerifier: change.codeVerifier ?? attempt.codeVerifier,
    },
    {},
  );
}

export async function signIn(
  connector: GithubConnector,
  github: TestGithub,
  login: string,
): Promise<SignedIn> {
  return complete(connector, await startAttempt(connector, github, login));
}

/** The refusal a promise ends with, for one-line assertions. */
export async function refusalOf(promise: Promise<unknown>): Promise<
  | {
      code: string;
      phase: string | undefined;
      check: unknown;
      retryAfterSeconds: number | undefined;
      error?: unknown;
    }
  | 'accepted'
> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (!(error instanceof FedgateError)) {
      throw error;
    }
    return {
      code: error.code,
      phase: error.phase,
      check: error.detail.check,
      retryAfterSeconds: error.retryAfterSeconds,
      ...(error.detail.error === undefined ? {} : { error: error.detail.error }),
    };
  }
}
