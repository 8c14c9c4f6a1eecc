/**
 * STS call metrics measured on the broker's own SDK client (createStsClient, with its retry
 * strategy) against sts-local: successes, throttling with the retries it caused, and latency.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { createStsClient } from '@fedgate/issuance';
import { backendConfigSchema } from '@fedgate/mapping';
import { BrokerMetrics, measureStsClient } from '@fedgate/metrics';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { BROKER, OUTSIDER, TEST_CONFIG_YAML, TEST_ENV } from '../sts-local/sts-local-test-config';

describe('STS client metrics', () => {
  let sts: TestStsLocal;

  beforeAll(async () => {
    // Two calls per caller, then Throttling for ten minutes: nothing refills during the test.
    const yaml = `throttling: { requestsPerSecond: 0.0017, burst: 2 }\n${TEST_CONFIG_YAML}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(yaml, TEST_ENV));
  });

  afterAll(async () => {
    await sts.stop();
  });

  function measuredClient(
    metrics: BrokerMetrics,
    credentials: { accessKeyId: string; secretAccessKey: string },
  ) {
    const backend = backendConfigSchema.parse({
      id: 'local',
      type: 'sts',
      endpoint: sts.url,
      region: 'us-east-1',
      maxAttempts: 3,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 5,
      credentials,
    });
    return measureStsClient(createStsClient(backend), backend.id, metrics);
  }

  it('counts calls by outcome, the retries throttling caused, and their duration', async () => {
    const metrics = new BrokerMetrics({ processMetrics: false });
    const client = measuredClient(metrics, BROKER);
    try {
      await client.send(new GetCallerIdentityCommand({}));
      await client.send(new GetCallerIdentityCommand({}));
      await expect(client.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'Throttling',
      });
    } finally {
      client.destroy();
    }
    const text = (await metrics.exposition()).body;
    const labels = 'backend="local",operation="GetCallerIdentityCommand"';
    expect(text).toContain(`fedgate_sts_calls_total{${labels},outcome="ok"} 2`);
    expect(text).toContain(`fedgate_sts_calls_total{${labels},outcome="throttled"} 1`);
    // The throttled call was tried maxAttempts (3) times: two retries.
    expect(text).toContain(`fedgate_sts_retries_total{${labels}} 2`);
    expect(text).toContain(`fedgate_sts_call_duration_seconds_count{${labels}} 3`);
  });

  it('counts no retry for calls that succeed at once', async () => {
    const metrics = new BrokerMetrics({ processMetrics: false });
    const client = measuredClient(metrics, OUTSIDER);
    try {
      await client.send(new GetCallerIdentityCommand({}));
    } finally {
      client.destroy();
    }
    expect((await metrics.exposition()).body).not.toMatch(/fedgate_sts_retries_total\{/);
  });
});
