/**
 * The GitHub connector against a local server that answers as GitHub's
 * documentation says (test/github/github-server.ts, laid out as a GitHub
 * Enterprise Server): a sign-in, pagination, and each refusal in its own
 * case; then the callback connector contract.
 */
import { freePort } from '../harness/processes';
import { describeCallbackConnectorContract } from '../../libs/connectors/src/callback-connector.contract';
import {
  APP_CLIENT_ID,
  CALLBACK_URL,
  CLIENT_ID,
  CLIENT_SECRET,
  complete,
  githubConnector,
  refusalOf,
  signIn,
  startAttempt,
  testUsers,
} from './github-fixture';
import { TestGithub } from './github-server';

describe('github connector against a local GitHub', () => {
  let github: TestGithub;
  let closedPort: number;

  beforeAll(async () => {
    github = await TestGithub.start({
      clients: [
        { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
        { clientId: APP_CLIENT_ID, clientSecret: CLIENT_SECRET, expiringTokens: true },
      ],
      users: testUsers(),
    });
    closedPort = await freePort();
  });

  afterEach(() => {
    github.reset();
  });

  afterAll(async () => {
    await github.stop();
  });

  const connector = (entry: Record<string, unknown> = {}) =>
    githubConnector({ baseUrl: github.baseUrl, ...entry });

  describe('signing in', () => {
    it('signs in by numeric id with the verified primary email, orgs and teams as groups', async () => {
      const signedIn = await signIn(connector(), github, 'Alice-Octo');
      expect(signedIn.identity).toEqual({
        connectorId: 'github',
        subject: '1001',
        username: 'Alice-Octo',
        email: 'alice@corp.example',
        emailVerified: true,
        displayName: 'Alice Liddell',
        groups: ['corp', 'corp/platform', 'corp/sre'],
        attributes: {},
        mfa: { satisfied: false, methods: [] },
        authTime: expect.any(String) as string,
      });
      // Nothing is kept to talk to GitHub again: the token served this sign-in only.
      expect(signedIn.connectorData).toBeUndefined();
    });

    it('asks for the documented scopes with state and PKCE S256, and no sign-up', async () => {
      const attempt = await startAttempt(connector(), github, 'Alice-Octo');
      const url = new URL(attempt.authorizationUrl);
      expect(`${url.origin}${url.pathname}`).toBe(`${github.baseUrl}/login/oauth/authorize`);
      expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
      expect(url.searchParams.get('scope')).toBe('read:user user:email read:org');
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(url.searchParams.get('allow_signup')).toBe('false');
      expect(url.searchParams.get('state')).toBe(attempt.query.state);
    });

    it('uses the Enterprise Server API at {baseUrl}/api/v3, with the token in the header only', async () => {
      await signIn(connector(), github, 'Alice-Octo');
      const token = github.issuedTokens.at(-1) ?? '<none>';
      const exchange = github.requests.find((request) => request.url === '/login/oauth/access_token');
      expect(exchange?.headers.accept).toBe('application/json');
      expect(exchange?.body).toContain('code_verifier=');
      const api = github.requests.filter((request) => request.url.startsWith('/api/v3/'));
      expect(api.map((request) => request.url.split('?')[0])).toEqual([
        '/api/v3/user',
        '/api/v3/user/emails',
        '/api/v3/user/orgs',
        '/api/v3/user/teams',
      ]);
      for (const request of api) {
        expect(request.headers.authorization).toBe(`Bearer ${token}`);
        expect(request.headers['user-agent']).toBe('fedgate');
        expect(request.headers['x-github-api-version']).toBe('2022-11-28');
        expect(request.url).not.toContain(token);
      }
    });

    it('follows Link pagination to the last page', async () => {
      github.switches.pageSize = 1;
      const signedIn = await signIn(connector({ orgs: [] }), github, 'Alice-Octo');
      expect(signedIn.identity.groups).toEqual([
        'corp',
        'corp/platform',
        'corp/sre',
        'hobby-club',
        'hobby-club/chess',
      ]);
      expect(github.requests.filter((request) => request.url.startsWith('/api/v3/user/teams')).length).toBe(
        3,
      );
    });

    it('admits every GitHub user when no organization is required', async () => {
      const signedIn = await signIn(connector({ orgs: [] }), github, 'bob');
      expect(signedIn.identity).toMatchObject({ subject: '1002', groups: ['elsewhere', 'elsewhere/devs'] });
      expect(signedIn.identity.displayName).toBeUndefined();
    });
  });

  describe('refusals', () => {
    it('refuses a user outside the required organization, before reading their teams', async () => {
      expect(await refusalOf(signIn(connector(), github, 'bob'))).toMatchObject({
        code: 'not_entitled',
        phase: 'github.orgs',
        check: 'required-org',
      });
      expect(github.requests.some((request) => request.url.startsWith('/api/v3/user/teams'))).toBe(false);
    });

    it('refuses a user whose primary email GitHub has not verified', async () => {
      expect(await refusalOf(signIn(connector(), github, 'carol'))).toMatchObject({
        code: 'assertion_invalid',
        phase: 'github.emails',
        check: 'verified-primary-email',
      });
    });

    it("refuses a code GitHub answers with bad_verification_code: replayed, or another sign-in's verifier", async () => {
      const instance = connector();
      const attempt = await startAttempt(instance, github, 'Alice-Octo');
      await complete(instance, attempt);
      const refused = {
        code: 'assertion_invalid',
        phase: 'github.token',
        check: 'provider-error',
        error: 'bad_verification_code',
      };
      expect(await refusalOf(complete(instance, attempt))).toMatchObject(refused);
      const other = await startAttempt(instance, github, 'Alice-Octo');
      expect(await refusalOf(complete(instance, other, { codeVerifier: 'x'.repeat(43) }))).toMatchObject(
        refused,
      );
    });

    it("refuses the sign-in when GitHub does not accept fedgate's client secret", async () => {
      const refusal = await refusalOf(
        signIn(connector({ clientSecret: 'not-the-secret' }), github, 'Alice-Octo'),
      );
      expect(refusal).toMatchObject({
        code: 'assertion_invalid',
        phase: 'github.token',
        check: 'provider-error',
        error: 'incorrect_client_credentials',
      });
    });

    it('refuses the answer of a user who declined, with its error code', async () => {
      github.switches.deny = true;
      expect(await refusalOf(signIn(connector(), github, 'Alice-Octo'))).toMatchObject({
        code: 'assertion_invalid',
        phase: 'github.state',
        check: 'error-response',
        error: 'access_denied',
      });
    });

    it("refuses an organization list GitHub won't give (SAML enforcement), as a refusal", async () => {
      github.switches.failure = {
        path: '/api/v3/user/orgs',
        status: 403,
        message: 'Resource protected by organization SAML enforcement.',
      };
      expect(await refusalOf(signIn(connector(), github, 'Alice-Octo'))).toMatchObject({
        code: 'assertion_invalid',
        phase: 'github.orgs',
        check: 'forbidden',
      });
    });

    it('refuses a next page that points outside the API', async () => {
      github.switches.pageSize = 1;
      github.switches.nextPageOrigin = 'http://127.0.0.2:9';
      expect(await refusalOf(signIn(connector(), github, 'Alice-Octo'))).toMatchObject({
        code: 'idp_unavailable',
        phase: 'github.emails',
        check: 'response',
      });
    });
  });

  describe('refresh', () => {
    /** A GitHub App with expiring user tokens: GitHub sends a refresh token with each access token. */
    const app = () => connector({ clientId: APP_CLIENT_ID });

    /** Runs `body`, then puts the user back as the test GitHub started with them. */
    async function withUserRestored(login: string, body: () => Promise<void>): Promise<void> {
      const saved = github.user(login)!;
      try {
        await body();
      } finally {
        github.updateUser(login, saved);
      }
    }

    it('keeps nothing for an OAuth App, whose tokens never expire, and asks GitHub nothing on refresh', async () => {
      const instance = connector();
      const signedIn = await signIn(instance, github, 'Alice-Octo');
      expect(signedIn.connectorData).toBeUndefined();
      const asked = github.requests.length;
      expect(await instance.refresh(signedIn, {})).toEqual({ kind: 'current', ...signedIn });
      expect(github.requests.length).toBe(asked);
    });

    it('re-reads a GitHub App user through the refresh token, which GitHub spends and replaces', async () => {
      await withUserRestored('Alice-Octo', async () => {
        const instance = app();
        const signedIn = await signIn(instance, github, 'Alice-Octo');
        expect(signedIn.connectorData).toBeDefined();
        // The access token served the sign-in only; what is kept is the refresh token.
        for (const token of github.issuedTokens.filter((issued) => issued.startsWith('ghu_'))) {
          expect(signedIn.connectorData).not.toContain(token);
        }
        github.updateUser('Alice-Octo', { teams: ['Corp/platform'] });
        const refreshed = await instance.refresh(signedIn, {});
        expect(refreshed).toMatchObject({
          kind: 'current',
          identity: { subject: '1001', groups: ['corp', 'corp/platform'] },
        });
        const current = refreshed.kind === 'current' ? refreshed : undefined;
        expect(current?.identity.authTime).toBe(signedIn.identity.authTime);
        expect(current?.connectorData).toBeDefined();
        expect(current?.connectorData).not.toBe(signedIn.connectorData);
        const exchange = github.requests
          .filter((request) => request.url === '/login/oauth/access_token')
          .at(-1);
        expect(new URLSearchParams(exchange?.body).get('grant_type')).toBe('refresh_token');
        // The spent refresh token is worth nothing any more.
        expect(await instance.refresh(signedIn, {})).toMatchObject({ kind: 'revoked' });
        expect(await instance.refresh(current!, {})).toMatchObject({ kind: 'current' });
      });
    });

    it('revokes a user who revoked the app at GitHub', async () => {
      const instance = app();
      const signedIn = await signIn(instance, github, 'Alice-Octo');
      github.revokeAuthorization('Alice-Octo');
      const result = await instance.refresh(signedIn, {});
      expect(result).toMatchObject({ kind: 'revoked' });
      expect(result.kind === 'revoked' && result.reason).toContain('bad_refresh_token');
    });

    it('revokes a user who left every required organization', async () => {
      await withUserRestored('Alice-Octo', async () => {
        const instance = app();
        const signedIn = await signIn(instance, github, 'Alice-Octo');
        github.updateUser('Alice-Octo', { orgs: ['hobby-club'], teams: ['hobby-club/chess'] });
        const result = await instance.refresh(signedIn, {});
        expect(result).toMatchObject({ kind: 'revoked' });
        expect(result.kind === 'revoked' && result.reason).toContain('github.orgs: required-org');
      });
    });

    it('throws an outage rather than revoking when GitHub limits the refresh', async () => {
      const instance = app();
      const signedIn = await signIn(instance, github, 'Alice-Octo');
      github.switches.rateLimit = { path: '/user/orgs', kind: 'secondary' };
      expect(await refusalOf(instance.refresh(signedIn, {}))).toMatchObject({
        code: 'idp_unavailable',
        phase: 'github.orgs',
        check: 'rate-limit',
      });
    });
  });

  describe('outages', () => {
    it('reports a primary rate limit as an outage, with the wait until x-ratelimit-reset', async () => {
      github.switches.rateLimit = { path: '/user/orgs', kind: 'primary' };
      const refusal = await refusalOf(signIn(connector(), github, 'Alice-Octo'));
      expect(refusal).toMatchObject({ code: 'idp_unavailable', phase: 'github.orgs', check: 'rate-limit' });
      const wait = refusal === 'accepted' ? 0 : (refusal.retryAfterSeconds ?? 0);
      expect(wait).toBeGreaterThan(100);
      expect(wait).toBeLessThanOrEqual(121);
    });

    it('reports a secondary rate limit with its retry-after', async () => {
      github.switches.rateLimit = { path: '/user', kind: 'secondary' };
      expect(await refusalOf(signIn(connector(), github, 'Alice-Octo'))).toMatchObject({
        code: 'idp_unavailable',
        phase: 'github.user',
        check: 'rate-limit',
        retryAfterSeconds: 30,
      });
    });

    it('reports a GitHub error page as an outage', async () => {
      github.switches.failure = { path: '/api/v3/user/teams', status: 502, message: 'Server Error' };
      expect(await refusalOf(signIn(connector(), github, 'Alice-Octo'))).toMatchObject({
        code: 'idp_unavailable',
        phase: 'github.teams',
        check: 'status',
      });
    });

    it('reports an unreachable GitHub as an outage', async () => {
      const attempt = await startAttempt(connector(), github, 'Alice-Octo');
      const unreachable = connector({ baseUrl: `http://127.0.0.1:${closedPort}` });
      expect(await refusalOf(complete(unreachable, attempt))).toMatchObject({
        code: 'idp_unavailable',
        phase: 'github.token',
        check: 'reachable',
      });
    });

    it('gives up on a GitHub slower than the timeout', async () => {
      const instance = connector({ timeout: '1s' });
      const attempt = await startAttempt(instance, github, 'Alice-Octo');
      github.switches.delayMs = 1500;
      expect(await refusalOf(complete(instance, attempt))).toMatchObject({
        code: 'idp_unavailable',
        phase: 'github.token',
        check: 'timeout',
      });
    });
  });

  describeCallbackConnectorContract('github on a local GitHub', () => ({
    connector: connector(),
    unreachable: connector({ baseUrl: `http://127.0.0.1:${closedPort}` }),
    callbackUrl: CALLBACK_URL,
    approve: (url) => {
      github.signedInAs = 'Alice-Octo';
      return github.approve(url);
    },
    decline: (url) => {
      github.switches.deny = true;
      return github.approve(url);
    },
  }));
});
