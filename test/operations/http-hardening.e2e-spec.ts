/**
 * HTTP hardening of a running broker: every answer is `no-store` unless its route is public and
 * says so (the well-known documents, the portal's static files), and small-bodied routes refuse
 * a body far below `server.maxBodyBytes`, while routes that take large bodies keep it.
 */
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { brokerYaml, env, stsLocalYaml } from '../broker/issuance-fixture';
import { ALICE_PASSWORD } from '../broker/slice-config';
import { freePort } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

describe('HTTP hardening', () => {
  let sts: TestStsLocal;
  let broker: RunningBroker;

  beforeAll(async () => {
    const port = await freePort();
    const brokerUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(brokerUrl), env));
    broker = await startBroker(configFrom(await brokerYaml(brokerUrl, sts.url), env), { port });
  });

  afterAll(async () => {
    await broker.stop();
    await sts.stop();
  });

  it('answers no-store on every private answer, errors and pages included', async () => {
    const alice = new HttpClient(broker.url);
    const answers = [
      await alice.login('demo', 'alice', 'wrong-password-123'),
      await alice.login('demo', 'alice', ALICE_PASSWORD),
      await alice.request('GET', '/api/v1/me'),
      await alice.request('GET', '/api/v1/entitlements'),
      await alice.request('POST', '/api/v1/credentials', {
        json: { accountId: 'sandbox', permissionSet: 'Developer' },
      }),
      await alice.request('POST', '/api/v1/credentials', {
        json: { accountId: 'nowhere', permissionSet: 'Developer' },
      }),
      await alice.request('GET', '/accounts', { headers: { accept: 'text/html' } }),
      await alice.request('GET', '/console/sandbox/Developer'),
      await new HttpClient(broker.url).request('GET', '/api/v1/me'),
      await alice.request('GET', '/no-such-route'),
      await alice.request('GET', '/healthz'),
      await alice.request('GET', '/readyz'),
    ];
    for (const answer of answers) {
      expect({ status: answer.status, cacheControl: answer.headers.get('cache-control') }).toEqual({
        status: answer.status,
        cacheControl: 'no-store',
      });
    }
    expect(answers.map((answer) => answer.status)).toEqual([
      401, 200, 200, 200, 200, 403, 200, 200, 401, 404, 200, 200,
    ]);
  });

  it('lets public documents say they may be cached', async () => {
    for (const path of [
      '/.well-known/openid-configuration',
      '/.well-known/jwks.json',
      '/portal/assets/portal.css',
    ]) {
      const answer = await fetch(`${broker.url}${path}`);
      expect({ path, status: answer.status, cacheControl: answer.headers.get('cache-control') }).toEqual({
        path,
        status: 200,
        cacheControl: 'public, max-age=300',
      });
    }
  });

  it('holds small-bodied routes to 8 KiB and leaves the configured limit to the others', async () => {
    const padded = (bytes: number) => JSON.stringify({ username: 'alice', password: 'x'.repeat(bytes) });
    const post = (path: string, body: string, type = 'application/json') =>
      fetch(`${broker.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

    expect((await post('/auth/demo/login', padded(500))).status).toBe(401);
    const login = await post('/auth/demo/login', padded(9 * 1024));
    expect(login.status).toBe(413);
    expect(await login.json()).toMatchObject({ error: 'payload_too_large' });
    expect(
      (
        await post(
          '/sign-in/demo',
          `username=alice&password=${'x'.repeat(9 * 1024)}`,
          'application/x-www-form-urlencoded',
        )
      ).status,
    ).toBe(413);

    // /oauth/token takes tokens, which can be large: 20 KiB is read and refused for what it says.
    const form = 'application/x-www-form-urlencoded';
    const token = await post(
      '/oauth/token',
      `grant_type=refresh_token&refresh_token=${'x'.repeat(20 * 1024)}`,
      form,
    );
    expect(token.status).not.toBe(413);
    expect(token.status).toBeLessThan(500);
    // …up to server.maxBodyBytes (64 KiB by default).
    expect(
      (await post('/oauth/token', `grant_type=refresh_token&refresh_token=${'x'.repeat(70 * 1024)}`, form))
        .status,
    ).toBe(413);
  });
});
