/**
 * sts-local driven by botocore (boto3), the client of the AWS CLI and of
 * Python tools: the same operations and error codes as the SDK test, parsed
 * by botocore into fields and exception classes. botocore_client.py makes
 * the calls; every assertion is here.
 */
import { anyNumber, anyString, matching, objectContaining } from './matchers';
import { randomBytes } from 'node:crypto';
import { GetSessionTokenCommand, STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { ACCOUNT, BROKER, roleArn, TEST_CONFIG_YAML, TEST_ENV } from './sts-local-test-config';
import type { TestCredentials } from './raw-sts-request';
import { botocore, result, type BotocoreCase } from './botocore-runner';

let sts: TestStsLocal;

beforeAll(async () => {
  sts = await startTestStsLocal(stsLocalConfigFrom(TEST_CONFIG_YAML, TEST_ENV));
});

afterAll(async () => {
  await sts.stop();
});

describe('botocore against sts-local', () => {
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
  });
  const bigTags = Array.from({ length: 50 }, (_, index) => ({
    Key: `k${index}-${randomBytes(40).toString('hex')}`,
    Value: randomBytes(100).toString('hex'),
  }));

  it('parses every operation and every error code', async () => {
    const sdk = new STSClient({
      region: 'us-east-1',
      endpoint: sts.url,
      credentials: BROKER,
      maxAttempts: 1,
    });
    const role = await sdk.send(
      new AssumeRoleCommand({ RoleArn: roleArn('Basic'), RoleSessionName: 'chain.start' }),
    );
    sdk.destroy();
    const roleCredentials = {
      accessKeyId: role.Credentials?.AccessKeyId ?? '',
      secretAccessKey: role.Credentials?.SecretAccessKey ?? '',
      sessionToken: role.Credentials?.SessionToken ?? '',
    };
    const assume = (
      name: string,
      params: Record<string, unknown>,
      credentials: TestCredentials = BROKER,
    ): BotocoreCase => ({
      name,
      op: 'assume_role',
      params: { RoleArn: roleArn('Basic'), RoleSessionName: 'alice.0a1b2c3d', ...params },
      credentials,
    });
    const results = await botocore(sts.url, [
      { name: 'identity', op: 'get_caller_identity', credentials: BROKER },
      assume('assume', {
        SourceIdentity: 'alice',
        DurationSeconds: 7200,
        Tags: [{ Key: 'team', Value: 'a' }],
      }),
      { name: 'session', op: 'get_session_token', params: { DurationSeconds: 900 }, credentials: BROKER },
      {
        name: 'federation',
        op: 'get_federation_token',
        params: { Name: 'bob', Policy: policy },
        credentials: BROKER,
      },
      { name: 'chained identity', op: 'get_caller_identity', credentials: roleCredentials },
      assume('AccessDenied', { RoleArn: roleArn('NoTagSession'), Tags: [{ Key: 'a', Value: 'b' }] }),
      {
        name: 'InvalidClientTokenId',
        op: 'get_caller_identity',
        credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) },
      },
      {
        name: 'SignatureDoesNotMatch',
        op: 'get_caller_identity',
        credentials: { ...BROKER, secretAccessKey: 'wrong-secret' },
      },
      { name: 'IncompleteSignature', op: 'get_caller_identity', credentials: BROKER, breakSignature: true },
      { name: 'MissingAuthenticationToken', op: 'get_caller_identity', unsigned: true },
      assume('ValidationError', { RoleSessionName: 'has space' }),
      assume(
        'chaining ValidationError',
        { RoleArn: roleArn('ChainTarget'), DurationSeconds: 7200 },
        roleCredentials,
      ),
      assume('InvalidParameterValue', {
        Tags: [
          { Key: 'Team', Value: 'a' },
          { Key: 'TEAM', Value: 'b' },
        ],
      }),
      assume('MalformedPolicyDocument', { Policy: '{"Statement":' }),
      assume('PackedPolicyTooLarge', { Tags: bigTags }),
      {
        name: 'RegionDisabledException',
        op: 'get_caller_identity',
        credentials: BROKER,
        region: 'eu-central-1',
      },
    ]);

    expect(result(results, 'identity').response).toEqual({
      UserId: matching(/^AIDA/),
      Account: ACCOUNT,
      Arn: `arn:aws:iam::${ACCOUNT}:user/broker`,
    });
    const assumed = result(results, 'assume').response as Record<
      string,
      Record<string, string> | string | number
    >;
    expect(assumed).toEqual({
      Credentials: {
        AccessKeyId: matching(/^ASIA/),
        SecretAccessKey: anyString,
        SessionToken: anyString,
        Expiration: matching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/),
      },
      AssumedRoleUser: {
        AssumedRoleId: matching(/^AROA[A-Z2-7]{17}:alice\.0a1b2c3d$/),
        Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Basic/alice.0a1b2c3d`,
      },
      PackedPolicySize: anyNumber,
      SourceIdentity: 'alice',
    });
    expect(result(results, 'session').response).toEqual({
      Credentials: objectContaining({ AccessKeyId: matching(/^ASIA/) }),
    });
    expect(result(results, 'federation').response).toEqual({
      Credentials: objectContaining({ AccessKeyId: matching(/^ASIA/) }),
      FederatedUser: { FederatedUserId: `${ACCOUNT}:bob`, Arn: `arn:aws:sts::${ACCOUNT}:federated-user/bob` },
      PackedPolicySize: anyNumber,
    });
    expect(result(results, 'chained identity').response?.Arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/Basic/chain.start`,
    );

    const errors: [string, string, number, string][] = [
      ['AccessDenied', 'AccessDenied', 403, 'ClientError'],
      ['InvalidClientTokenId', 'InvalidClientTokenId', 403, 'ClientError'],
      ['SignatureDoesNotMatch', 'SignatureDoesNotMatch', 403, 'ClientError'],
      ['IncompleteSignature', 'IncompleteSignature', 400, 'ClientError'],
      ['MissingAuthenticationToken', 'MissingAuthenticationToken', 403, 'ClientError'],
      ['ValidationError', 'ValidationError', 400, 'ClientError'],
      ['chaining ValidationError', 'ValidationError', 400, 'ClientError'],
      ['InvalidParameterValue', 'InvalidParameterValue', 400, 'ClientError'],
      ['MalformedPolicyDocument', 'MalformedPolicyDocument', 400, 'MalformedPolicyDocumentException'],
      ['PackedPolicyTooLarge', 'PackedPolicyTooLarge', 400, 'PackedPolicyTooLargeException'],
      ['RegionDisabledException', 'RegionDisabledException', 403, 'RegionDisabledException'],
    ];
    for (const [name, code, status, exception] of errors) {
      const got = result(results, name);
      expect({ name, ok: got.ok, code: got.code, status: got.status, exception: got.exception }).toEqual({
        name,
        ok: false,
        code,
        status,
        exception,
      });
    }
  });

  it('gets ExpiredToken for expired credentials', async () => {
    let offsetMs = 0;
    const clocked = await startTestStsLocal(stsLocalConfigFrom(TEST_CONFIG_YAML, TEST_ENV), {
      now: () => Date.now() + offsetMs,
    });
    try {
      const sdk = new STSClient({
        region: 'us-east-1',
        endpoint: clocked.url,
        credentials: BROKER,
        maxAttempts: 1,
      });
      const issued = await sdk.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
      sdk.destroy();
      offsetMs = 901_000;
      const results = await botocore(clocked.url, [
        {
          name: 'ExpiredToken',
          op: 'get_caller_identity',
          credentials: {
            accessKeyId: issued.Credentials?.AccessKeyId ?? '',
            secretAccessKey: issued.Credentials?.SecretAccessKey ?? '',
            sessionToken: issued.Credentials?.SessionToken ?? '',
          },
        },
      ]);
      expect(result(results, 'ExpiredToken')).toMatchObject({ ok: false, code: 'ExpiredToken', status: 403 });
    } finally {
      await clocked.stop();
    }
  });
});
