/**
 * GitHub through the broker: `GET /auth/{id}/login` → the local GitHub →
 * the callback → a session → credentials from sts-local; an outsider of the
 * required organization and a rate-limited GitHub, each answered with a
 * page for the browser and an audit line naming connector, phase and check,
 * with no code or token in any log.
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
import { CLIENT_ID, CLIENT_SECRET, testUsers } from './github-fixture';
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

describe('GitHub sign-in through the broker', () => {
  const env = { BROKER_SECRET: BROKER_SECRET_KEY, GITHUB_SECRET: CLIENT_SECRET };
  let sts: TestStsLocal;
  let github: TestGithub;
  let broker: RunningBroker;

  beforeAll(async () => {
    const port = await freePort();
    sts = await startTestStsLocal(stsLocalConfigFrom(STS_LOCAL_YAML, env));
    github = await TestGithub.start({
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }],
      users: testUsers(),
    });
    const config = configFrom(
      `
server: { publicUrl: http://127.0.0.1:${port} }
connectors:
  - id: github
    type: github
    name: GitHub
    baseUrl: ${github.baseUrl}
    clientId: ${CLIENT_ID}
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
    broker = await startBroker(config, { port });
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
  ): Promise<Record<string, string>> {
    const begun = await client.request('GET', `/auth/github/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(begun.status).toBe(302);
    const location = begun.headers.get('location') ?? '';
    expect(location.startsWith(`${github.baseUrl}/login/oauth/authorize?`)).toBe(true);
    github.signedInAs = login;
    return github.approve(location);
  }

  const callbackPath = (query: Record<string, string>) =>
    `/auth/github/callback?${new URLSearchParams(query).toString()}`;

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
});
