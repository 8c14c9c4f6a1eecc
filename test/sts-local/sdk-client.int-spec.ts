/**
 * sts-local driven by @aws-sdk/client-sts v3: every signed operation and
 * every error code of docs/sts-local.md that they can produce, parsed into the
 * SDK's fields and exception names. The server is real (HTTP on a free port).
 */
import { containing } from './matchers';
import { randomBytes } from 'node:crypto';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  STSClient,
  type Credentials,
} from '@aws-sdk/client-sts';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import {
  ACCOUNT,
  BROKER,
  MFA_CODE,
  MFA_SERIAL,
  OTHER_ACCOUNT,
  OUTSIDER,
  roleArn,
  TEST_CONFIG_YAML,
  TEST_ENV,
} from './sts-local-test-config';
import type { TestCredentials } from './raw-sts-request';

let sts: TestStsLocal;
const issuedSecrets: string[] = [];

function client(
  credentials: TestCredentials,
  options: { region?: string; clockOffsetMs?: number } = {},
): STSClient {
  return new STSClient({
    region: options.region ?? 'us-east-1',
    endpoint: sts.url,
    credentials,
    maxAttempts: 1,
    ...(options.clockOffsetMs === undefined ? {} : { systemClockOffset: options.clockOffsetMs }),
  });
}

function remember(credentials: Credentials | undefined): TestCredentials {
  const { AccessKeyId, SecretAccessKey, SessionToken } = credentials ?? {};
  if (!AccessKeyId || !SecretAccessKey || !SessionToken) {
    throw new Error('no credentials in the response');
  }
  issuedSecrets.push(SecretAccessKey, SessionToken);
  return { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: SessionToken };
}

async function assume(
  input: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]> & { RoleArn: string },
  as: TestCredentials = BROKER,
) {
  const response = await client(as).send(
    new AssumeRoleCommand({ RoleSessionName: 'alice.0a1b2c3d', ...input }),
  );
  return { response, credentials: remember(response.Credentials) };
}

/**
 * PackedPolicySize is deprecated in the newest STS model (SessionTokenUtilization replaces it), but
 * botocore 1.43 still reads it, so sts-local sends both.
 */
function packedPolicySize(response: object): unknown {
  return (response as { PackedPolicySize?: number }).PackedPolicySize;
}

beforeAll(async () => {
  sts = await startTestStsLocal(stsLocalConfigFrom(TEST_CONFIG_YAML, TEST_ENV));
});

afterAll(async () => {
  await sts.stop();
});

describe('operations', () => {
  it('GetCallerIdentity names a configured user', async () => {
    const identity = await client(BROKER).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(ACCOUNT);
    expect(identity.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/broker`);
    expect(identity.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it('AssumeRole returns AWS-shaped credentials, user and source identity', async () => {
    const before = Date.now();
    const { response, credentials } = await assume({
      RoleArn: roleArn('Basic'),
      SourceIdentity: 'alice',
      DurationSeconds: 7200,
      Tags: [{ Key: 'fedgate:mfa', Value: 'false' }],
    });
    expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(credentials.secretAccessKey).toHaveLength(40);
    expect(response.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Basic/alice.0a1b2c3d`);
    expect(response.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:alice\.0a1b2c3d$/);
    expect(response.SourceIdentity).toBe('alice');
    expect(packedPolicySize(response)).toBeGreaterThan(0);
    expect(response.SessionTokenSize).toBe(credentials.sessionToken?.length);
    expect(response.SessionTokenUtilization).toBeGreaterThan(0);
    const expiresIn = (response.Credentials?.Expiration?.getTime() ?? 0) - before;
    expect(expiresIn).toBeGreaterThan(7190_000);
    expect(expiresIn).toBeLessThanOrEqual(7201_000);

    const identity = await client(credentials).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(response.AssumedRoleUser?.Arn);
    expect(identity.UserId).toBe(response.AssumedRoleUser?.AssumedRoleId);
  });

  it('AssumeRole leaves PackedPolicySize and SourceIdentity out when not used', async () => {
    const { response } = await assume({ RoleArn: roleArn('Basic') });
    expect(packedPolicySize(response)).toBeUndefined();
    expect(response.SourceIdentity).toBeUndefined();
  });

  it('pads the session token to MinimumSessionTokenSize and reports its size', async () => {
    const response = await client(BROKER).send(new GetSessionTokenCommand({ MinimumSessionTokenSize: 4096 }));
    const credentials = remember(response.Credentials);
    expect(credentials.sessionToken).toHaveLength(4096);
    expect(response.SessionTokenSize).toBe(4096);
    expect(response.SessionTokenUtilization).toBe(100);
    expect((await client(credentials).send(new GetCallerIdentityCommand({}))).Account).toBe(ACCOUNT);
    await expect(
      client(BROKER).send(new GetSessionTokenCommand({ MinimumSessionTokenSize: 4097 })),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('GetSessionToken issues credentials for the user itself', async () => {
    const response = await client(BROKER).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const credentials = remember(response.Credentials);
    const identity = await client(credentials).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/broker`);
    await expect(client(credentials).send(new GetSessionTokenCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('GetFederationToken issues a federated user that cannot assume roles', async () => {
    const response = await client(BROKER).send(
      new GetFederationTokenCommand({
        Name: 'bob',
        DurationSeconds: 129600,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
        }),
      }),
    );
    expect(response.FederatedUser).toEqual({
      FederatedUserId: `${ACCOUNT}:bob`,
      Arn: `arn:aws:sts::${ACCOUNT}:federated-user/bob`,
    });
    expect(packedPolicySize(response)).toBeGreaterThan(0);
    const credentials = remember(response.Credentials);
    expect((await client(credentials).send(new GetCallerIdentityCommand({}))).UserId).toBe(`${ACCOUNT}:bob`);
    await expect(
      client(credentials).send(new AssumeRoleCommand({ RoleArn: roleArn('Basic'), RoleSessionName: 'x1' })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      client(credentials).send(new GetFederationTokenCommand({ Name: 'again' })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });

  it('role chaining keeps the source identity and transitive tags and caps the duration at one hour', async () => {
    const first = await assume({
      RoleArn: roleArn('Basic'),
      SourceIdentity: 'alice',
      Tags: [
        { Key: 'Department', Value: 'Engineering' },
        { Key: 'Project', Value: 'x' },
      ],
      TransitiveTagKeys: ['department'],
    });
    const chained = client(first.credentials);
    await expect(
      chained.send(
        new AssumeRoleCommand({
          RoleArn: roleArn('ChainTarget'),
          RoleSessionName: 'hop',
          DurationSeconds: 7200,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError', message: containing('role chaining') });
    const second = await chained.send(
      new AssumeRoleCommand({
        RoleArn: roleArn('ChainTarget'),
        RoleSessionName: 'hop',
        DurationSeconds: 3600,
      }),
    );
    remember(second.Credentials);
    expect(second.SourceIdentity).toBe('alice');
    await expect(
      chained.send(
        new AssumeRoleCommand({
          RoleArn: roleArn('ChainTarget'),
          RoleSessionName: 'hop',
          Tags: [{ Key: 'DEPARTMENT', Value: 'Sales' }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(
      chained.send(
        new AssumeRoleCommand({
          RoleArn: roleArn('ChainTarget'),
          RoleSessionName: 'hop',
          SourceIdentity: 'mallory',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('lets an account principal in another account assume its role', async () => {
    const { response } = await assume({ RoleArn: roleArn('CrossAccount', OTHER_ACCOUNT) });
    expect(response.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/CrossAccount/alice.0a1b2c3d`,
    );
  });
});

describe('trust policies', () => {
  const denied = { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } };

  it('needs sts:TagSession to pass session tags', async () => {
    await assume({ RoleArn: roleArn('NoTagSession') });
    await expect(
      assume({ RoleArn: roleArn('NoTagSession'), Tags: [{ Key: 'a', Value: 'b' }] }),
    ).rejects.toMatchObject({
      ...denied,
      message: containing('sts:TagSession'),
    });
  });

  it('needs sts:SetSourceIdentity to set a source identity', async () => {
    await expect(assume({ RoleArn: roleArn('NoTagSession'), SourceIdentity: 'alice' })).rejects.toMatchObject(
      {
        ...denied,
        message: containing('sts:SetSourceIdentity'),
      },
    );
  });

  it('checks the ExternalId', async () => {
    await assume({ RoleArn: roleArn('ExternalId'), ExternalId: 'ext-123' });
    await expect(assume({ RoleArn: roleArn('ExternalId'), ExternalId: 'ext-999' })).rejects.toMatchObject(
      denied,
    );
    await expect(assume({ RoleArn: roleArn('ExternalId') })).rejects.toMatchObject(denied);
  });

  it('checks a SourceIdentity condition', async () => {
    await assume({ RoleArn: roleArn('SourceIdentity'), SourceIdentity: 'alice.smith' });
    await expect(assume({ RoleArn: roleArn('SourceIdentity'), SourceIdentity: 'bob' })).rejects.toMatchObject(
      denied,
    );
  });

  it('checks an MFA condition: long-term keys fail, an MFA session passes', async () => {
    await expect(assume({ RoleArn: roleArn('Mfa') })).rejects.toMatchObject(denied);
    await expect(
      client(BROKER).send(new GetSessionTokenCommand({ SerialNumber: MFA_SERIAL, TokenCode: '000000' })),
    ).rejects.toMatchObject(denied);
    const withMfa = remember(
      (
        await client(BROKER).send(
          new GetSessionTokenCommand({ SerialNumber: MFA_SERIAL, TokenCode: MFA_CODE }),
        )
      ).Credentials,
    );
    const withoutMfa = remember((await client(BROKER).send(new GetSessionTokenCommand({}))).Credentials);
    await expect(assume({ RoleArn: roleArn('Mfa') }, withoutMfa)).rejects.toMatchObject(denied);
    const { response } = await assume({ RoleArn: roleArn('Mfa') }, withMfa);
    expect(response.AssumedRoleUser?.Arn).toContain('assumed-role/Mfa/');
  });

  it('lets an explicit deny beat an allow', async () => {
    await assume({ RoleArn: roleArn('ExplicitDeny') });
    await expect(assume({ RoleArn: roleArn('ExplicitDeny') }, OUTSIDER)).rejects.toMatchObject({
      ...denied,
      message: containing('with an explicit deny'),
    });
  });

  it('denies principals the policy does not name, and roles that do not exist', async () => {
    await expect(assume({ RoleArn: roleArn('Basic') }, OUTSIDER)).rejects.toMatchObject(denied);
    await expect(assume({ RoleArn: roleArn('NoSuchRole') })).rejects.toMatchObject(denied);
  });

  it('checks request tags, principal tags and tag keys', async () => {
    await assume({
      RoleArn: roleArn('TagConditions'),
      Tags: [
        { Key: 'team', Value: 'platform' },
        { Key: 'project', Value: 'p' },
      ],
    });
    await expect(
      assume({ RoleArn: roleArn('TagConditions'), Tags: [{ Key: 'team', Value: 'data' }] }),
    ).rejects.toMatchObject(denied);
    await expect(
      assume({
        RoleArn: roleArn('TagConditions'),
        Tags: [
          { Key: 'team', Value: 'platform' },
          { Key: 'cost', Value: 'x' },
        ],
      }),
    ).rejects.toMatchObject(denied);
  });

  it('checks aws:SourceIp', async () => {
    await assume({ RoleArn: roleArn('LoopbackOnly') });
    await expect(assume({ RoleArn: roleArn('CorporateNetworkOnly') })).rejects.toMatchObject(denied);
  });
});

describe('limits and validation', () => {
  const tags = (count: number, valueLength = 1) =>
    Array.from({ length: count }, (_, index) => ({ Key: `key-${index}`, Value: 'v'.repeat(valueLength) }));

  it.each([
    ['a RoleSessionName that is too short', { RoleSessionName: 'a' }],
    ['a RoleSessionName with a space', { RoleSessionName: 'alice smith' }],
    ['a duration under 900 s', { DurationSeconds: 899 }],
    ['a duration over the role maximum', { DurationSeconds: 7201 }],
    ['a SourceIdentity with the aws: prefix', { SourceIdentity: 'aws:alice' }],
    ['an ExternalId that is too short', { ExternalId: 'x' }],
    ['51 session tags', { Tags: tags(51) }],
    ['a tag value over 256 characters', { Tags: tags(1, 257) }],
    ['a tag key with a forbidden character', { Tags: [{ Key: 'a#b', Value: 'v' }] }],
    [
      'a policy over 2048 characters',
      {
        Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'x'.repeat(2100), Resource: '*' }] }),
      },
    ],
    [
      'eleven policy ARNs',
      { PolicyArns: Array.from({ length: 11 }, (_, i) => ({ arn: `arn:aws:iam::aws:policy/P${i}` })) },
    ],
  ])('answers ValidationError (400) for %s', async (_name, input) => {
    await expect(assume({ RoleArn: roleArn('Basic'), ...input })).rejects.toMatchObject({
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('answers InvalidParameterValue for tag keys that differ only in case, and transitive keys that are not tags', async () => {
    await expect(
      assume({
        RoleArn: roleArn('Basic'),
        Tags: [
          { Key: 'Team', Value: 'a' },
          { Key: 'team', Value: 'b' },
        ],
      }),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } });
    await expect(
      assume({
        RoleArn: roleArn('Basic'),
        Tags: [{ Key: 'Team', Value: 'a' }],
        TransitiveTagKeys: ['Other'],
      }),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('answers MalformedPolicyDocument for a policy that does not parse', async () => {
    await expect(assume({ RoleArn: roleArn('Basic'), Policy: '{"Statement": [' })).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('answers PackedPolicyTooLarge when tags and policy pack past the limit', async () => {
    // Random text barely compresses: 50 such tags are far past the packed limit, as in AWS.
    const bigTags = Array.from({ length: 50 }, (_, index) => ({
      Key: `k${index}-${randomBytes(40).toString('hex')}`,
      Value: randomBytes(100).toString('hex'),
    }));
    await expect(assume({ RoleArn: roleArn('Basic'), Tags: bigTags })).rejects.toMatchObject({
      name: 'PackedPolicyTooLargeException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('checks GetFederationToken Name and duration ranges', async () => {
    await expect(client(BROKER).send(new GetFederationTokenCommand({ Name: 'x' }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(
      client(BROKER).send(new GetFederationTokenCommand({ Name: 'bob', DurationSeconds: 129601 })),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('answers RegionDisabledException for a region the account has not enabled', async () => {
    await expect(
      client(BROKER, { region: 'eu-central-1' }).send(new GetCallerIdentityCommand({})),
    ).rejects.toMatchObject({ name: 'RegionDisabledException', $metadata: { httpStatusCode: 403 } });
    await client(BROKER, { region: 'eu-west-1' }).send(new GetCallerIdentityCommand({}));
  });
});

describe('signatures', () => {
  it('answers InvalidClientTokenId for an unknown key and for a wrong or missing session token', async () => {
    const invalid = { name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } };
    await expect(
      client({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) }).send(
        new GetCallerIdentityCommand({}),
      ),
    ).rejects.toMatchObject(invalid);
    const { credentials } = await assume({ RoleArn: roleArn('Basic') });
    await expect(
      client({ ...credentials, sessionToken: `${credentials.sessionToken ?? ''}x` }).send(
        new GetCallerIdentityCommand({}),
      ),
    ).rejects.toMatchObject(invalid);
    await expect(
      client({ accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey }).send(
        new GetCallerIdentityCommand({}),
      ),
    ).rejects.toMatchObject(invalid);
  });

  it('answers SignatureDoesNotMatch for a wrong secret and for a stale date', async () => {
    await expect(
      client({ ...BROKER, secretAccessKey: `${BROKER.secretAccessKey}x` }).send(
        new GetCallerIdentityCommand({}),
      ),
    ).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    await expect(
      client(BROKER, { clockOffsetMs: -16 * 60 * 1000 }).send(new GetCallerIdentityCommand({})),
    ).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      message: containing('Signature expired'),
    });
    // Within the 15-minute skew AWS still accepts the request.
    await client(BROKER, { clockOffsetMs: -14 * 60 * 1000 }).send(new GetCallerIdentityCommand({}));
  });
});

describe('expired credentials', () => {
  it('answers ExpiredToken once temporary credentials have expired', async () => {
    let offsetMs = 0;
    const clocked = await startTestStsLocal(stsLocalConfigFrom(TEST_CONFIG_YAML, TEST_ENV), {
      now: () => Date.now() + offsetMs,
    });
    try {
      const issuer = new STSClient({
        region: 'us-east-1',
        endpoint: clocked.url,
        credentials: BROKER,
        maxAttempts: 1,
      });
      const issued = remember(
        (await issuer.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials,
      );
      offsetMs = 901_000;
      const expired = new STSClient({
        region: 'us-east-1',
        endpoint: clocked.url,
        credentials: issued,
        maxAttempts: 1,
      });
      await expect(expired.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'ExpiredToken',
        $metadata: { httpStatusCode: 403 },
      });
    } finally {
      await clocked.stop();
    }
  });
});

describe('logs', () => {
  it('never contain a secret key or session token that sts-local issued', () => {
    expect(issuedSecrets.length).toBeGreaterThan(10);
    const logs = sts.logs.text();
    expect(logs).toContain('AssumeRole');
    for (const secret of [...issuedSecrets, BROKER.secretAccessKey]) {
      expect(logs).not.toContain(secret);
    }
  });
});
