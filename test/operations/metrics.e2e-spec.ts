/**
 * GET /metrics of a running broker: sign-ins, issuance (issued, then from the cache), console
 * sign-ins and STS calls appear as Prometheus counters labelled by connector, mode and outcome,
 * and no username, subject or account of a user appears anywhere in the text.
 */
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { brokerYaml, env, stsLocalYaml } from '../broker/issuance-fixture';
import { ALICE_PASSWORD } from '../broker/slice-config';
import { freePort } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

describe('GET /metrics', () => {
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

  async function metricsText(): Promise<string> {
    const response = await fetch(`${broker.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  }

  it('counts what happened by connector, mode and outcome, never by person', async () => {
    expect(await new HttpClient(broker.url).login('demo', 'alice', 'not-her-password')).toMatchObject({
      status: 401,
    });
    const alice = new HttpClient(broker.url);
    expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
    const request = { json: { accountId: 'sandbox', permissionSet: 'Developer' } };
    expect((await alice.request('POST', '/api/v1/credentials', request)).status).toBe(200);
    expect((await alice.request('POST', '/api/v1/credentials', request)).status).toBe(200);
    expect((await alice.request('POST', '/api/v1/console', request)).status).toBe(200);

    const text = await metricsText();
    expect(text).toContain('fedgate_logins_total{connector="demo",outcome="success"} 1');
    expect(text).toContain('fedgate_logins_total{connector="demo",outcome="failure"} 1');
    expect(text).toContain('fedgate_issuance_total{mode="assume-role",outcome="success",source="issued"} 1');
    expect(text).toContain('fedgate_issuance_total{mode="assume-role",outcome="success",source="cache"}');
    expect(text).toContain('fedgate_console_signins_total{outcome="success"} 1');
    expect(text).toMatch(
      /fedgate_sts_calls_total\{backend="keys",operation="AssumeRoleCommand",outcome="ok"\} [1-9]/,
    );
    expect(text).toContain('fedgate_process_cpu_seconds_total');
    expect(text).toMatch(
      /fedgate_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/credentials",status="200"\} 2/,
    );
    expect((await fetch(`${broker.url}/no/such/path/alice`)).status).toBe(404);
    expect(await metricsText()).toContain('route="unmatched",status="404"');
    for (const person of ['alice', '123456789012', '127.0.0.1']) {
      expect(text).not.toContain(person);
    }
  });
});
