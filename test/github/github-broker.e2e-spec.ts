/**
 * GitHub through the broker: `GET /auth/{id}/login` → the local GitHub →
 * the callback → a session → credentials from sts-local; an outsider of the
 * required organization and a rate-limited GitHub, each answered with a
 * page for the browser and an audit line naming connector, phase and check,
 * with no code or token in any log; and a GitHub App user who left the
 * organization losing the session at the next identity refresh.
 */
import { freePort } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import {
  callerIdentityWith,
  configFrom,
  HttpClient,
  startBroker,
  type RunningBroker,
} from '../broker/broker-harness';
import { BROKER_SECRET_KEY } from '../broker/slice-config';
import { APP_CLIENT_ID, CLIENT_ID, CLIENT_SECRET, testUsers } from './github-fixture';
import { TestGithub } from './github-server';

const STS_LOCAL_YAML = `
accounts:
  - id: '123456789012'
    users:
      - { name: fedgate-broker, accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: '\${env:BROKER_SECRET}' }
    roles:
      - name: fedgate-Platform
        maxSessionDuration: 2h
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: 'arn:aws:iam::123456789012:user/fedgate-broker' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
`;

const REFRESH_INTERVAL_SECONDS = 300;

describe('GitHub sign-in through the broker', () => {
  /** The broker's clock, moved forward to reach the next identity refresh. */
  let clock = Date.now();
  const env = { BROKER_SECRET: BROKER_SECRET_KEY, GITHUB_SECRET: CLIENT_SECRET };
  let sts: TestStsLocal;
  let github: TestGithub;
  let broker: RunningBroker;

  beforeAll(async () => {
    const port = await freePort();
    sts = await startTestStsLocal(stsLocalConfigFrom(STS_LOCAL_YAML, env));
    github = await TestGithub.start({
      clients: [
        { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
        { clientId: APP_CLIENT_ID, clientSecret: CLIENT_SECRET, expiringTokens: true },
      ],
      users: testUsers(),
    });
    const config = configFrom(
      `
server: { publicUrl: http://127.0.0.1:${port} }
session: { refreshInterval: ${REFRESH_INTERVAL_SECONDS}s }
connectors:
  - id: github
    type: github
    name: GitHub
    baseUrl: ${github.baseUrl}
    clientId: ${CLIENT_ID}
    clientSecret: "\${env:GITHUB_SECRET}"
    orgs: [corp]
  - id: github-app
    type: github
    name: GitHub (App)
    baseUrl: ${github.baseUrl}
    clientId: ${APP_CLIENT_ID}
    clientSecret: "\${env:GITHUB_SECRET}"
    orgs: [corp]
backends:
  - id: local
    type: sts
    endpoint: ${sts.url}
    region: us-east-1
    timeout: 5s
    maxAttempts: 1
    credentials: { accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: "\${env:BROKER_SECRET}" }
accounts:
  - { id: "123456789012", name: sandbox, backend: local }
permissionSets:
  - { name: Platform, roleName: fedgate-Platform, sessionDuration: 1h }
assignments:
  - { match: { groups: [corp/platform] }, accounts: [sandbox], permissionSets: [Platform] }
`,
      env,
    );
    broker = await startBroker(config, { port, now: () => clock });
  });

  afterEach(() => {
    github.reset();
  });

  afterAll(async () => {
    await broker.stop();
    await github.stop();
    await sts.stop();
  });

  /** The browser: starts at fedgate, is signed in to GitHub as `login`, and comes back with GitHub's answer. */
  async function githubAnswer(
    client: HttpClient,
    login: string,
    returnTo = '/',
    connector = 'github',
  ): Promise<Record<string, string>> {
    const begun = await client.request(
      'GET',
      `/auth/${connector}/login?return_to=${encodeURIComponent(returnTo)}`,
    );
    expect(begun.status).toBe(302);
    const location = begun.headers.get('location') ?? '';
    expect(location.startsWith(`${github.baseUrl}/login/oauth/authorize?`)).toBe(true);
    github.signedInAs = login;
    return github.approve(location);
  }

  const callbackPath = (query: Record<string, string>, connector = 'github') =>
    `/auth/${connector}/callback?${new URLSearchParams(query).toString()}`;

  /** The reference the sign-in error page gives the person: the error code. */
  const pageCode = (text: string) => /<code id="reference">(\w+) at /.exec(text)?.[1];

  function auditOfLastLogin(): Record<string, unknown> | undefined {
    return broker.logs
      .lines()
      .filter((line) => line.msg === 'audit' && line.event === 'login')
      .at(-1);
  }

  function expectNoSecretsLogged(query: Record<string, string>): void {
    const logs = broker.logs.text();
    expect(logs).not.toContain(query.code ?? '<no code>');
    expect(github.issuedTokens.length).toBeGreaterThan(0);
    for (const token of github.issuedTokens) {
      expect(logs).not.toContain(token);
    }
    expect(logs).not.toContain(CLIENT_SECRET);
  }

  it('signs a member in, lands on the return path and gets working credentials; a replay is refused', async () => {
    const client = new HttpClient(broker.url);
    const query = await githubAnswer(client, 'Alice-Octo', '/api/v1/me');
    const back = await client.request('GET', callbackPath(query));
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/api/v1/me');
    const me = await client.request('GET', '/api/v1/me');
    expect(me.body).toMatchObject({ connectorId: 'github', subject: '1001', username: 'Alice-Octo' });
    client.csrfToken = me.body.csrfToken as string;
    const issued = await client.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Platform' },
    });
    expect(issued.status).toBe(200);
    expect(issued.body.AccessKeyId).toMatch(/^ASIA/);
    const caller = await callerIdentityWith(sts.url, issued.body);
    expect(caller.Arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/fedgate-Platform\//);
    expect(auditOfLastLogin()).toMatchObject({ connector: 'github', subject: '1001', outcome: 'success' });

    const replay = await client.request('GET', callbackPath(query));
    expect(replay.status).toBe(400);
    expect(pageCode(replay.text)).toBe('sign_in_state_replayed');
    expectNoSecretsLogged(query);
  });

  it('refuses an outsider of the required organization with a page, and audits phase and check', async () => {
    const client = new HttpClient(broker.url);
    const query = await githubAnswer(client, 'bob');
    const answer = await client.request('GET', callbackPath(query));
    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toContain('text/html');
    expect(pageCode(answer.text)).toBe('not_entitled');
    expect(answer.text).toContain('not a member of an organization');
    expect(client.cookie('fedgate_session')).toBeUndefined();
    expect(auditOfLastLogin()).toMatchObject({
      connector: 'github',
      outcome: 'failure',
      error: 'not_entitled',
      phase: 'github.orgs',
      check: 'required-org',
    });
    expectNoSecretsLogged(query);
  });

  it('answers a rate-limited GitHub with 503 and Retry-After, and signs nobody in', async () => {
    const client = new HttpClient(broker.url);
    const query = await githubAnswer(client, 'Alice-Octo');
    github.switches.rateLimit = { path: '/user/orgs', kind: 'primary' };
    const answer = await client.request('GET', callbackPath(query));
    expect(answer.status).toBe(503);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(100);
    expect(pageCode(answer.text)).toBe('idp_unavailable');
    expect(client.cookie('fedgate_session')).toBeUndefined();
    expect(auditOfLastLogin()).toMatchObject({
      connector: 'github',
      outcome: 'failure',
      error: 'idp_unavailable',
      phase: 'github.orgs',
      check: 'rate-limit',
    });
    expectNoSecretsLogged(query);
  });

  it('refreshes once when many requests of one session arrive after the interval, spending the single-use refresh token once', async () => {
    const client = new HttpClient(broker.url);
    const query = await githubAnswer(client, 'Alice-Octo', '/api/v1/me', 'github-app');
    expect((await client.request('GET', callbackPath(query, 'github-app'))).status).toBe(303);
    const refreshesBefore = github.issuedTokens.filter((token) => token.startsWith('ghr_')).length;
    clock += (REFRESH_INTERVAL_SECONDS + 1) * 1000;
    const answers = await Promise.all(Array.from({ length: 8 }, () => client.request('GET', '/api/v1/me')));
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 8 }, () => 200));
    // One refresh: GitHub issued exactly one new refresh token for the eight requests.
    expect(github.issuedTokens.filter((token) => token.startsWith('ghr_')).length).toBe(refreshesBefore + 1);
    const refreshes = broker.logs
      .lines()
      .filter(
        (line) =>
          line.msg === 'audit' && line.event === 'identity_refresh' && line.connector === 'github-app',
      );
    expect(refreshes.filter((line) => line.outcome === 'current')).toHaveLength(1);
    expect(refreshes.filter((line) => line.outcome !== 'current')).toEqual([]);
    expect((await client.request('GET', '/api/v1/me')).status).toBe(200);
  });

  it('ends the session of a GitHub App user who left the required organization at the next refresh', async () => {
    const linesBefore = broker.logs.lines().length;
    const client = new HttpClient(broker.url);
    const query = await githubAnswer(client, 'Alice-Octo', '/api/v1/me', 'github-app');
    expect((await client.request('GET', callbackPath(query, 'github-app'))).status).toBe(303);
    expect((await client.request('GET', '/api/v1/me')).status).toBe(200);
    const alice = github.user('Alice-Octo')!;
    github.updateUser('Alice-Octo', { orgs: ['hobby-club'], teams: ['hobby-club/chess'] });
    try {
      clock += (REFRESH_INTERVAL_SECONDS + 1) * 1000;
      expect((await client.request('GET', '/api/v1/entitlements')).status).toBe(401);
      expect((await client.request('GET', '/api/v1/me')).status).toBe(401);
      const audit = broker.logs
        .lines()
        .slice(linesBefore)
        .filter(
          (line) => line.msg === 'audit' && line.event === 'identity_refresh' && line.subject === '1001',
        );
      expect(audit).toEqual([
        expect.objectContaining({
          outcome: 'revoked',
          connector: 'github-app',
          reason: expect.stringContaining('required-org') as string,
        }),
      ]);
      expect(github.issuedTokens.some((token) => token.startsWith('ghr_'))).toBe(true);
      expectNoSecretsLogged(query);
    } finally {
      github.updateUser('Alice-Octo', alice);
    }
  });
});
