/**
 * Every answer of the broker carries the security headers (helmet): JSON, errors, health, the
 * portal's pages (which keep their own stricter CSP and referrer policy), and HSTS only when the
 * broker's public URL is https.
 */
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { brokerYaml, env, stsLocalYaml } from '../broker/issuance-fixture';
import { ALICE_PASSWORD } from '../broker/slice-config';
import { freePort } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

describe('security headers on every answer', () => {
  let sts: TestStsLocal;
  let broker: RunningBroker;
  let httpsBroker: RunningBroker;

  beforeAll(async () => {
    const port = await freePort();
    const brokerUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(brokerUrl), env));
    const yaml = await brokerYaml(brokerUrl, sts.url);
    broker = await startBroker(configFrom(yaml, env), { port });
    // Behind a TLS-terminating proxy: the public URL is https.
    httpsBroker = await startBroker(
      configFrom(yaml.replace(`publicUrl: '${brokerUrl}'`, "publicUrl: 'https://fedgate.example.com'"), env),
    );
  });

  afterAll(async () => {
    await httpsBroker.stop();
    await broker.stop();
    await sts.stop();
  });

  function expectHardened(headers: Headers): void {
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(headers.get('cross-origin-resource-policy')).toBe('same-origin');
  }

  it('hardens JSON answers, errors and health checks, with no HSTS over http', async () => {
    const alice = new HttpClient(broker.url);
    const signedIn = await alice.login('demo', 'alice', ALICE_PASSWORD);
    const issued = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Developer' },
    });
    const anonymous = await new HttpClient(broker.url).request('GET', '/api/v1/me');
    const health = await fetch(`${broker.url}/healthz`);
    const missing = await fetch(`${broker.url}/no-such-route`);
    for (const { status, headers } of [signedIn, issued, anonymous, health, missing]) {
      expect([200, 401, 404]).toContain(status);
      expectHardened(headers);
      expect(headers.get('referrer-policy')).toBe('no-referrer');
      expect(headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('leaves the portal its own CSP and referrer policy', async () => {
    const page = await fetch(`${broker.url}/`);
    expect(page.status).toBe(200);
    expectHardened(page.headers);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
  });

  it('sends HSTS when the public URL is https', async () => {
    const health = await fetch(`${httpsBroker.url}/healthz`);
    expectHardened(health.headers);
    expect(health.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });
});
