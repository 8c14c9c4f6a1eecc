/**
 * sts-local throttles like AWS STS when configured to: past the burst, a
 * caller gets the `Throttling` error (400), parsed as such by the JS SDK and
 * by botocore, while other callers are unaffected.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { botocore } from './botocore-runner';
import { BROKER, OUTSIDER, TEST_CONFIG_YAML, TEST_ENV } from './sts-local-test-config';

describe('sts-local throttling', () => {
  let sts: TestStsLocal;

  beforeAll(async () => {
    // Ten minutes per token: nothing refills during the test.
    const yaml = `throttling: { requestsPerSecond: 0.0017, burst: 2 }\n${TEST_CONFIG_YAML}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(yaml, TEST_ENV));
  });

  afterAll(async () => {
    await sts.stop();
  });

  function client(credentials: { accessKeyId: string; secretAccessKey: string }): STSClient {
    return new STSClient({ region: 'us-east-1', endpoint: sts.url, credentials, maxAttempts: 1 });
  }

  it('answers Throttling to the JS SDK past the burst, per caller', async () => {
    const broker = client(BROKER);
    await broker.send(new GetCallerIdentityCommand({}));
    await broker.send(new GetCallerIdentityCommand({}));
    const error = await broker.send(new GetCallerIdentityCommand({})).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    broker.destroy();

    const outsider = client(OUTSIDER);
    await expect(outsider.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Arn: expect.stringContaining('outsider') as unknown,
    });
    outsider.destroy();
  });

  it('answers Throttling to botocore', async () => {
    const results = await botocore(sts.url, [
      { name: 'first', op: 'get_caller_identity', credentials: OUTSIDER },
      { name: 'second', op: 'get_caller_identity', credentials: OUTSIDER },
    ]);
    expect(results.get('first')).toMatchObject({ ok: true });
    expect(results.get('second')).toMatchObject({
      ok: false,
      code: 'Throttling',
      status: 400,
      message: 'Rate exceeded',
    });
  });
});
