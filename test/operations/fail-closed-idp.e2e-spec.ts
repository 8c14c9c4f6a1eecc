/**
 * A hung identity source fails its sign-ins closed, within the connector's timeout, while the
 * broker keeps serving everyone else: an LDAP directory that accepts connections and never
 * answers, and an OpenID Provider whose token endpoint never answers the callback's code.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { brokerYaml, env, stsLocalYaml } from '../broker/issuance-fixture';
import { ALICE_PASSWORD } from '../broker/slice-config';
import { CLIENT_SECRET, testAccounts } from '../oidc/oidc-fixture';
import { signInAtProvider, signingKey, TestOidcProvider } from '../oidc/oidc-provider-harness';
import { freePort } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

// Long enough that the static sign-in beside it finishes first even on a busy machine.
const LDAP_TIMEOUT_S = 5;

describe('a hung directory or identity provider', () => {
  let hungDirectory: Server;
  const directorySockets: Socket[] = [];
  let provider: TestOidcProvider;
  let sts: TestStsLocal;
  let broker: RunningBroker;
  let callbackUrl: string;
  const testEnv = { ...env, OIDC_SECRET: CLIENT_SECRET, LDAP_BIND_PASSWORD: 'service-password-0123' };

  beforeAll(async () => {
    // Accepts LDAP connections and never answers a single message.
    hungDirectory = createServer((socket) => directorySockets.push(socket));
    await new Promise<void>((resolve) => hungDirectory.listen(0, '127.0.0.1', resolve));
    const directoryPort = (hungDirectory.address() as AddressInfo).port;

    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    callbackUrl = `${publicUrl}/auth/corp/callback`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(publicUrl), env));
    provider = await TestOidcProvider.start({
      keys: [await signingKey('RS256', 'rsa-1')],
      accounts: testAccounts(),
      clients: [{ client_id: 'fedgate', client_secret: CLIENT_SECRET, redirect_uris: [callbackUrl] }],
    });
    const yaml = (await brokerYaml(publicUrl, sts.url)).replace(
      'connectors:\n',
      `connectors:
  - id: directory
    type: ldap
    url: ldap://127.0.0.1:${directoryPort}
    insecure: true
    bindDn: "cn=fedgate,ou=services,dc=example,dc=org"
    bindPassword: "\${env:LDAP_BIND_PASSWORD}"
    connectTimeout: ${LDAP_TIMEOUT_S}s
    operationTimeout: ${LDAP_TIMEOUT_S}s
    userSearch: { baseDn: "ou=people,dc=example,dc=org" }
    groups: { mode: memberOf }
  - id: corp
    type: oidc
    issuer: ${provider.issuer}
    clientId: fedgate
    clientSecret: "\${env:OIDC_SECRET}"
    timeout: 2s
`,
    );
    broker = await startBroker(configFrom(yaml, testEnv), { port });
  });

  afterAll(async () => {
    await broker.stop();
    await provider.stop();
    await sts.stop();
    directorySockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => hungDirectory.close(resolve));
  });

  function lastLoginAudit(connector: string): Record<string, unknown> | undefined {
    return broker.logs
      .lines()
      .filter((line) => line.msg === 'audit' && line.event === 'login' && line.connector === connector)
      .at(-1);
  }

  it('refuses an LDAP sign-in with 503 idp_unavailable, serving others meanwhile', async () => {
    let settled = false;
    const started = Date.now();
    const hung = new HttpClient(broker.url).login('directory', 'carol', 'carol-password-1').finally(() => {
      settled = true;
    });

    // While the directory keeps that sign-in waiting, a static user signs in and is issued credentials.
    const alice = new HttpClient(broker.url);
    expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
    const issued = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Developer' },
    });
    expect(issued.status).toBe(200);
    expect(settled).toBe(false);
    expect(directorySockets.length).toBeGreaterThan(0);

    const refused = await hung;
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe('idp_unavailable');
    expect(refused.headers.getSetCookie()).toEqual([]);
    // Bounded by the connector's timeouts, not a performance claim.
    expect(Date.now() - started).toBeLessThan(4 * LDAP_TIMEOUT_S * 1000);
    expect(lastLoginAudit('directory')).toMatchObject({
      outcome: 'error',
      error: 'idp_unavailable',
      phase: expect.stringMatching(/^ldap\./) as unknown,
    });
  });

  it('fails an OIDC callback closed when the token endpoint never answers, and signs in again once it does', async () => {
    const client = new HttpClient(broker.url);
    const begun = await client.request(
      'GET',
      `/auth/corp/login?return_to=${encodeURIComponent('/api/v1/me')}`,
    );
    expect(begun.status).toBe(302);
    const query = await signInAtProvider(begun.headers.get('location') ?? '', 'alice', callbackUrl);

    let release: (() => void) | undefined;
    provider.tampering.token = (body) =>
      new Promise((resolve) => {
        release = () => {
          resolve(body);
        };
      });
    try {
      const refused = await client.request(
        'GET',
        `/auth/corp/callback?${new URLSearchParams(query).toString()}`,
      );
      const code = /<code id="reference">(\w+) at /.exec(refused.text)?.[1] ?? refused.body.error;
      expect(code).toBe('idp_unavailable');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('location')).toBeNull();
      expect(
        refused.headers.getSetCookie().filter((cookie) => cookie.startsWith('fedgate_session=')),
      ).toEqual([]);
      expect((await client.request('GET', '/api/v1/me')).status).toBe(401);
      expect(lastLoginAudit('corp')).toMatchObject({
        outcome: 'failure',
        error: 'idp_unavailable',
        phase: 'oidc.token',
        check: 'reachable',
      });
      expect(broker.logs.text()).not.toContain(query.code ?? '<no code>');
    } finally {
      provider.reset();
      release?.();
    }

    // The provider answers again: a fresh sign-in goes through.
    const again = new HttpClient(broker.url);
    const next = await again.request('GET', `/auth/corp/login?return_to=${encodeURIComponent('/api/v1/me')}`);
    const answer = await signInAtProvider(next.headers.get('location') ?? '', 'alice', callbackUrl);
    expect(
      (await again.request('GET', `/auth/corp/callback?${new URLSearchParams(answer).toString()}`)).status,
    ).toBe(303);
    expect((await again.request('GET', '/api/v1/me')).body).toMatchObject({
      connectorId: 'corp',
      subject: 'alice',
    });
  });
});
