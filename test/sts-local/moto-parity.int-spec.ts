/**
 * Parity with moto_server: the same AssumeRole and GetFederationToken calls
 * against both give responses of the same shape (the same fields, with
 * values in the same formats), so a client written against one works with
 * the other.
 */
import {
  AssumeRoleCommand,
  GetFederationTokenCommand,
  STSClient,
  type AssumeRoleCommandOutput,
  type GetFederationTokenCommandOutput,
} from '@aws-sdk/client-sts';
import { startMoto, type MotoServer } from '../harness/moto';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { BROKER, roleArn, TEST_CONFIG_YAML, TEST_ENV } from './sts-local-test-config';

/** Each field's path and the format of its value: what must agree between the two servers. */
function shape(value: unknown, path = ''): Record<string, string> {
  if (value instanceof Date) {
    return { [path]: 'date' };
  }
  if (typeof value === 'object' && value !== null) {
    return Object.assign(
      {},
      ...Object.entries(value)
        .filter(([key]) => key !== '$metadata')
        .map(([key, item]) => shape(item, path === '' ? key : `${path}.${key}`)),
    ) as Record<string, string>;
  }
  if (typeof value === 'string') {
    return {
      [path]: /^ASIA[A-Z0-9]{16}$/.test(value)
        ? 'temporary key id'
        : /^arn:aws:sts::\d{12}:/.test(value)
          ? 'sts arn'
          : /^AROA[A-Z0-9]{17}:/.test(value)
            ? 'role id:session'
            : /^\d{12}:/.test(value)
              ? 'account:name'
              : 'string',
    };
  }
  return { [path]: typeof value };
}

function withoutNewFields(output: AssumeRoleCommandOutput | GetFederationTokenCommandOutput): object {
  // moto does not know the newest model's token fields yet; compare what both send.
  const { SessionTokenSize: _size, SessionTokenUtilization: _utilization, ...rest } = output;
  return rest;
}

describe('sts-local and moto_server agree on response shapes', () => {
  let moto: MotoServer;
  let sts: TestStsLocal;

  beforeAll(async () => {
    [moto, sts] = await Promise.all([
      startMoto(),
      startTestStsLocal(stsLocalConfigFrom(TEST_CONFIG_YAML, TEST_ENV)),
    ]);
  });

  afterAll(async () => {
    await Promise.all([moto.stop(), sts.stop()]);
  });

  const client = (endpoint: string) =>
    new STSClient({ region: 'us-east-1', endpoint, credentials: BROKER, maxAttempts: 1 });

  it('for AssumeRole with tags and a source identity', async () => {
    const command = () =>
      new AssumeRoleCommand({
        RoleArn: roleArn('Basic'),
        RoleSessionName: 'alice.0a1b2c3d',
        SourceIdentity: 'alice',
        Tags: [{ Key: 'team', Value: 'platform' }],
        DurationSeconds: 3600,
      });
    const fromMoto = await client(moto.url).send(command());
    const fromSts = await client(sts.url).send(command());
    // moto leaves SourceIdentity out of the response; AWS (and sts-local) return it.
    expect(shape(withoutNewFields(fromSts))).toEqual({
      ...shape(withoutNewFields(fromMoto)),
      SourceIdentity: 'string',
    });
    expect(fromSts.AssumedRoleUser?.Arn).toBe(fromMoto.AssumedRoleUser?.Arn);
  });

  it('for GetFederationToken with a policy', async () => {
    const command = () =>
      new GetFederationTokenCommand({
        Name: 'bob',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
        }),
      });
    const fromMoto = await client(moto.url).send(command());
    const fromSts = await client(sts.url).send(command());
    // moto's federation key ids lack AWS's ASIA prefix (docs/sts-local.md); sts-local keeps it.
    expect(shape(withoutNewFields(fromSts))).toEqual({
      ...shape(withoutNewFields(fromMoto)),
      'Credentials.AccessKeyId': 'temporary key id',
    });
  });
});
