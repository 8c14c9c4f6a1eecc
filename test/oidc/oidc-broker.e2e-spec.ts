/**
 * OIDC through the broker, with two OIDC connectors in one config:
 * `GET /auth/{id}/login` → oidc-provider → the callback → a session →
 * credentials from sts-local; the flow's state refusals (unknown, replayed);
 * a connector refusal and the other provider's answer to this sign-in
 * (mix-up), each with a page and an audit line naming connector, phase and
 * check, and no code or token in the logs; a user the provider no longer
 * knows losing the session at the next identity refresh; then the same
 * sign-in in Chromium through oidc-provider's own login page. A requireMfa
 * permission set is issued only after a second factor in the ID token's amr.
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../harness/browser';
import { freePort } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { BROKER_SECRET_KEY } from '../broker/slice-config';
import { CLIENT_SECRET, testAccounts } from './oidc-fixture';
import { signInAtProvider, signingKey, TestOidcProvider } from './oidc-provider-harness';

const STS_LOCAL_YAML = `
accounts:
  - id: '123456789012'
    users:
      - { name: fedgate-broker, accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: '\${env:BROKER_SECRET}' }
    roles:
      - name: fedgate-Developer
        maxSessionDuration: 2h
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: 'arn:aws:iam::123456789012:user/fedgate-broker' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
      - name: fedgate-Admin
        maxSessionDuration: 2h
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: 'arn:aws:iam::123456789012:user/fedgate-broker' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
`;

const REFRESH_INTERVAL_SECONDS = 300;

describe('OIDC sign-in through the broker', () => {
  /** The broker's clock, moved forward to reach the next identity refresh. */
  let clock = Date.now();
  const env = { BROKER_SECRET: BROKER_SECRET_KEY, OIDC_SECRET: CLIENT_SECRET };
  let sts: TestStsLocal;
  let provider: TestOidcProvider;
  /** A second OpenID Provider in the same config: the other party of the mix-up. */
  let partner: TestOidcProvider;
  let broker: RunningBroker;
  let browser: Browser;
  let callbackUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    callbackUrl = `${publicUrl}/auth/corp/callback`;
    sts = await startTestStsLocal(stsLocalConfigFrom(STS_LOCAL_YAML, env));
    provider = await TestOidcProvider.start({
      keys: [await signingKey('RS256', 'rsa-1')],
      accounts: testAccounts(),
      clients: [{ client_id: 'fedgate', client_secret: CLIENT_SECRET, redirect_uris: [callbackUrl] }],
    });
    partner = await TestOidcProvider.start({
      keys: [await signingKey('RS256', 'partner-1')],
      accounts: testAccounts(),
      clients: [
        {
          client_id: 'fedgate',
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${publicUrl}/auth/partner/callback`],
        },
      ],
    });
    const config = configFrom(
      `
server: { publicUrl: ${publicUrl} }
session: { refreshInterval: ${REFRESH_INTERVAL_SECONDS}s }
connectors:
  - id: corp
    type: oidc
    name: Corp SSO
    issuer: ${provider.issuer}
    clientId: fedgate
    clientSecret: "\${env:OIDC_SECRET}"
    claims: { groups: groups }
  - id: partner
    type: oidc
    name: Partner SSO
    issuer: ${partner.issuer}
    clientId: fedgate
    clientSecret: "\${env:OIDC_SECRET}"
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
  - { name: Developer, roleName: fedgate-Developer, sessionDuration: 1h }
  - { name: Admin, roleName: fedgate-Admin, sessionDuration: 1h, requireMfa: true }
assignments:
  - { match: { groups: [eng] }, accounts: [sandbox], permissionSets: [Developer, Admin] }
`,
      env,
    );
    broker = await startBroker(config, { port, now: () => clock });
    browser = await launchChromium();
  });

  afterEach(() => {
    provider.reset();
  });

  afterAll(async () => {
    await browser.close();
    await broker.stop();
    await provider.stop();
    await partner.stop();
    await sts.stop();
  });

  async function providerAnswer(client: HttpClient, returnTo: string): Promise<Record<string, string>> {
    const begun = await client.request('GET', `/auth/corp/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(begun.status).toBe(302);
    const location = begun.headers.get('location') ?? '';
    expect(location.startsWith(`${provider.issuer}/auth?`)).toBe(true);
    return signInAtProvider(location, 'alice', callbackUrl);
  }

  /** The error code of a refused callback: the sign-in error page names it for the browser. */
  function refusalCode(answer: { text: string; body: Record<string, unknown> }): string | undefined {
    const fromPage = /<code id="reference">(\w+) at /.exec(answer.text)?.[1];
    return fromPage ?? (answer.body.error as string | undefined);
  }

  const callbackPath = (query: Record<string, string>) =>
    `/auth/corp/callback?${new URLSearchParams(query).toString()}`;

  function auditOfLastLogin(): Record<string, unknown> | undefined {
    return broker.logs
      .lines()
      .filter((line) => line.msg === 'audit' && line.event === 'login')
      .at(-1);
  }

  it('signs in, lands on the return path and gets credentials from sts-local; a replay is refused', async () => {
    const client = new HttpClient(broker.url);
    const query = await providerAnswer(client, '/api/v1/me');
    const back = await client.request('GET', callbackPath(query));
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/api/v1/me');
    const me = await client.request('GET', '/api/v1/me');
    expect(me.body).toMatchObject({ connectorId: 'corp', subject: 'alice' });
    client.csrfToken = me.body.csrfToken as string;
    const issued = await client.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Developer' },
    });
    expect(issued.status).toBe(200);
    expect(issued.body.AccessKeyId).toMatch(/^ASIA/);

    const replay = await client.request('GET', callbackPath(query));
    expect(replay.status).toBe(400);
    expect(refusalCode(replay)).toBe('sign_in_state_replayed');
    expect(broker.logs.text()).not.toContain(query.code ?? '<no code>');
  });

  it("issues a requireMfa permission set only when the signed ID token's amr names a second factor", async () => {
    async function credentials(amr: string[] | undefined): Promise<Record<string, number>> {
      const client = new HttpClient(broker.url);
      const query = await providerAnswer(client, '/api/v1/me');
      if (amr !== undefined) {
        // What the provider says after a one-time password: its own key signs the amr.
        provider.tampering.token = async (body) => {
          const claims = JSON.parse(
            Buffer.from((body.id_token as string).split('.')[1] ?? '', 'base64url').toString('utf8'),
          ) as Record<string, unknown>;
          return { ...body, id_token: await provider.forge({ ...claims, amr }) };
        };
      }
      expect((await client.request('GET', callbackPath(query))).status).toBe(303);
      provider.reset();
      const me = await client.request('GET', '/api/v1/me');
      client.csrfToken = me.body.csrfToken as string;
      const statuses: Record<string, number> = {};
      for (const permissionSet of ['Developer', 'Admin']) {
        const issued = await client.request('POST', '/api/v1/credentials', {
          json: { accountId: 'sandbox', permissionSet },
        });
        statuses[permissionSet] = issued.status;
      }
      return statuses;
    }
    expect(await credentials(undefined)).toEqual({ Developer: 200, Admin: 403 });
    expect(await credentials(['pwd'])).toEqual({ Developer: 200, Admin: 403 });
    expect(await credentials(['pwd', 'otp'])).toEqual({ Developer: 200, Admin: 200 });
  });

  it('refuses the provider answer in another browser than the one that started the sign-in', async () => {
    const started = new HttpClient(broker.url);
    const query = await providerAnswer(started, '/');
    const other = new HttpClient(broker.url);
    const answer = await other.request('GET', callbackPath(query));
    expect(answer.status).toBe(400);
    expect(refusalCode(answer)).toBe('sign_in_state_mismatch');
    expect(other.cookie('fedgate_session')).toBeUndefined();
  });

  it('refuses a callback with a state it never issued', async () => {
    const client = new HttpClient(broker.url);
    const query = await providerAnswer(client, '/');
    const answer = await client.request('GET', callbackPath({ ...query, state: 'W'.repeat(43) }));
    expect(answer.status).toBe(400);
    expect(refusalCode(answer)).toBe('sign_in_state_unknown');
    expect(client.cookie('fedgate_session')).toBeUndefined();
  });

  it('refuses a provider answer that fails a check, with the phase and check in the logs and no token', async () => {
    const client = new HttpClient(broker.url);
    const query = await providerAnswer(client, '/');
    let accessToken = '';
    provider.tampering.token = (body) => {
      accessToken = body.access_token as string;
      return body;
    };
    provider.tampering.userinfo = (body) => ({ ...body, sub: 'mallory' });
    const answer = await client.request('GET', callbackPath(query));
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(client.cookie('fedgate_session')).toBeUndefined();
    expect(refusalCode(answer)).toBe('assertion_invalid');
    expect(auditOfLastLogin()).toMatchObject({
      connector: 'corp',
      outcome: 'failure',
      error: 'assertion_invalid',
      phase: 'oidc.userinfo',
      check: 'sub',
    });
    const logs = broker.logs.text();
    expect(accessToken.length).toBeGreaterThan(8);
    expect(logs).not.toContain(accessToken);
    expect(logs).not.toContain(query.code ?? '<no code>');
  });

  it("refuses the other configured provider's answer to this sign-in (mix-up) with a page and an audit line", async () => {
    const victim = new HttpClient(broker.url);
    const started = await providerAnswer(victim, '/');
    // The partner provider's code for the same user, sent back to the sign-in started at corp.
    const attacker = new HttpClient(broker.url);
    const begun = await attacker.request('GET', '/auth/partner/login');
    const location = begun.headers.get('location') ?? '';
    expect(location.startsWith(`${partner.issuer}/auth?`)).toBe(true);
    const stolen = await signInAtProvider(
      location,
      'alice',
      `${new URL(callbackUrl).origin}/auth/partner/callback`,
    );
    expect(stolen.iss).toBe(partner.issuer);
    const answer = await victim.request('GET', callbackPath({ ...stolen, state: started.state ?? '' }));
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('text/html');
    expect(refusalCode(answer)).toBe('assertion_invalid');
    expect(victim.cookie('fedgate_session')).toBeUndefined();
    expect(auditOfLastLogin()).toMatchObject({
      connector: 'corp',
      outcome: 'failure',
      error: 'assertion_invalid',
      phase: 'oidc.state',
      check: 'iss',
    });
    expect(broker.logs.text()).not.toContain(stolen.code ?? '<no code>');
  });

  it('ends the session of a user the provider no longer knows at the next refresh, logging no token', async () => {
    const client = new HttpClient(broker.url);
    const query = await providerAnswer(client, '/api/v1/me');
    expect((await client.request('GET', callbackPath(query))).status).toBe(303);
    const spent: string[] = [];
    provider.tampering.observe = (path, request) => {
      const refreshToken = new URLSearchParams(request.body).get('refresh_token');
      if (path === '/token' && refreshToken !== null) {
        spent.push(refreshToken);
      }
    };
    const alice = provider.account('alice')!;
    await provider.setAccount('alice', undefined);
    try {
      // Within the interval the provider is not asked: the session stands.
      expect((await client.request('GET', '/api/v1/me')).status).toBe(200);
      expect(spent).toEqual([]);
      clock += (REFRESH_INTERVAL_SECONDS + 1) * 1000;
      const refused = await client.request('GET', '/api/v1/entitlements');
      expect(refused.status).toBe(401);
      expect((await client.request('GET', '/api/v1/me')).status).toBe(401);
      expect(spent).toHaveLength(1);
      const audit = broker.logs
        .lines()
        .filter(
          (line) => line.msg === 'audit' && line.event === 'identity_refresh' && line.subject === 'alice',
        );
      expect(audit).toEqual([expect.objectContaining({ outcome: 'revoked', connector: 'corp' })]);
      expect(broker.logs.text()).not.toContain(spent[0]);
    } finally {
      await provider.setAccount('alice', alice);
    }
  });

  it("signs in with Chromium through oidc-provider's login page and gets credentials", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${broker.url}/auth/corp/login?return_to=/api/v1/me`);
    await page.waitForSelector('input[name="login"]');
    expect(page.url().startsWith(provider.issuer)).toBe(true);
    await page.fill('input[name="login"]', 'alice');
    await page.fill('input[name="password"]', 'any password');
    await page.click('button[type="submit"]');
    await page.waitForURL(`${broker.url}/api/v1/me`);
    const me = JSON.parse((await page.textContent('body')) ?? '{}') as Record<string, unknown>;
    expect(me).toMatchObject({ connectorId: 'corp', subject: 'alice', username: 'alice' });
    const issued = await page.evaluate(async (csrfToken) => {
      const response = await fetch('/api/v1/credentials', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
        body: JSON.stringify({ accountId: 'sandbox', permissionSet: 'Developer' }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }, me.csrfToken as string);
    expect(issued.status).toBe(200);
    expect(issued.body.AccessKeyId).toMatch(/^ASIA/);
    await context.close();
  });
});
