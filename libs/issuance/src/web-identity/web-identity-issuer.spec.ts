import { generateKeyPairSync } from 'node:crypto';
import { AssumeRoleWithWebIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { decodeJwt } from 'jose';
import type { BackendConfig } from '@fedgate/mapping';
import type { Identity } from '@fedgate/core';
import type { WebIdentityPlan } from '@fedgate/mapping';
import { WebIdentityKeyRing } from './signing-keys';
import { WebIdentityIssuer } from './web-identity-issuer';
import { WebIdentityTokenSigner } from './web-identity-token';

const backend: BackendConfig = {
  id: 'aws',
  type: 'sts',
  mode: 'web-identity',
  region: 'us-east-1',
  partition: 'aws',
  roleChaining: false,
  timeout: 10,
  maxAttempts: 1,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 5000,
};

const identity: Identity = {
  connectorId: 'corp',
  subject: 'u-1234',
  username: 'alice',
  groups: [],
  attributes: {},
  mfa: { satisfied: true, methods: ['otp'] },
  authTime: '2026-03-01T11:00:00Z',
};

const plan: WebIdentityPlan = {
  mode: 'web-identity',
  accountId: '111111111111',
  accountName: 'prod',
  partition: 'aws',
  backendId: 'aws',
  permissionSet: 'Data',
  duration: {
    seconds: 7200,
    limitedBy: 'permission-set',
    explanation: "2h: the permission set's sessionDuration",
  },
  roleArn: 'arn:aws:iam::111111111111:role/fedgate-Data',
  roleSessionName: 'alice.0123abcd',
  sourceIdentity: 'alice',
  sessionTags: [{ key: 'Department', value: 'Data' }],
  transitiveTagKeys: ['Department'],
  policy: '{"Version":"2012-10-17","Statement":[]}',
  policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
};

const ring = WebIdentityKeyRing.fromPem([
  {
    privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
  },
]);
const signer = new WebIdentityTokenSigner(ring, {
  issuer: 'https://fedgate.example.com',
  audience: 'sts.amazonaws.com',
  tokenLifetimeSeconds: 300,
});

/** A stand-in for the SDK client: records the commands, answers with `reply`. */
function fakeClient(reply: () => Promise<unknown>) {
  const sent: AssumeRoleWithWebIdentityCommand[] = [];
  const client = {
    send: (command: AssumeRoleWithWebIdentityCommand) => {
      sent.push(command);
      return reply();
    },
    destroy: jest.fn(),
  };
  return { sent, client: client as unknown as STSClient, destroy: client.destroy };
}

const EXPIRATION = new Date('2026-03-01T13:00:00Z');
const answer = () =>
  Promise.resolve({
    Credentials: {
      AccessKeyId: 'ASIAEXAMPLE000000001',
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: EXPIRATION,
    },
    AssumedRoleUser: { Arn: 'arn:aws:sts::111111111111:assumed-role/fedgate-Data/alice.0123abcd' },
  });

describe('WebIdentityIssuer.request', () => {
  it('sends the role, session name, token, planned duration and session policies, and no tag parameters', () => {
    const requested = { ...plan, duration: { ...plan.duration, seconds: 3600 } };
    expect(WebIdentityIssuer.request(requested, 'header.payload.signature')).toEqual({
      RoleArn: 'arn:aws:iam::111111111111:role/fedgate-Data',
      RoleSessionName: 'alice.0123abcd',
      WebIdentityToken: 'header.payload.signature',
      DurationSeconds: 3600,
      Policy: '{"Version":"2012-10-17","Statement":[]}',
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
    });
    expect(WebIdentityIssuer.request({ ...plan, policy: undefined, policyArns: [] }, 'a.b.c')).toEqual({
      RoleArn: plan.roleArn,
      RoleSessionName: 'alice.0123abcd',
      WebIdentityToken: 'a.b.c',
      DurationSeconds: 7200,
    });
  });
});

describe('WebIdentityIssuer.issue', () => {
  it('signs a token for the user and returns role credentials', async () => {
    const fake = fakeClient(answer);
    const issuer = new WebIdentityIssuer([backend], signer, () => fake.client);
    const requested = { ...plan, duration: { ...plan.duration, seconds: 1800 } };
    const credentials = await issuer.issue(requested, identity);
    expect(credentials).toEqual({
      accessKeyId: 'ASIAEXAMPLE000000001',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: EXPIRATION,
      accountId: '111111111111',
      kind: 'role',
      assumedRoleArn: 'arn:aws:sts::111111111111:assumed-role/fedgate-Data/alice.0123abcd',
      webIdentityToken: { id: expect.any(String) as unknown, keyId: expect.any(String) as unknown },
    });
    expect(fake.sent).toHaveLength(1);
    const input = fake.sent[0]!.input;
    expect(input.DurationSeconds).toBe(1800);
    const claims = decodeJwt(input.WebIdentityToken ?? '');
    // The audit's token id is the token that went to STS.
    expect(credentials.webIdentityToken?.id).toBe(claims.jti);
    expect(claims).toMatchObject({
      sub: 'corp:u-1234',
      'https://aws.amazon.com/tags': { principal_tags: { Department: ['Data'] } },
    });
    issuer.close();
    expect(fake.destroy).toHaveBeenCalled();
  });

  /** An error shaped like the SDK's service exceptions. */
  const sdkError = (name: string): Error => Object.assign(new Error(name), { name, $fault: 'client' });

  it.each<[string, Error, RegExp]>([
    ['InvalidIdentityToken', sdkError('InvalidIdentityToken'), /^sts_(rejected|denied)$/],
    ['IDPRejectedClaim', sdkError('IDPRejectedClaim'), /^sts_(rejected|denied)$/],
    ['AccessDenied', sdkError('AccessDenied'), /^sts_denied$/],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      /^upstream_unavailable$/,
    ],
  ])('maps %s from STS', async (_name, failure, code) => {
    const issuer = new WebIdentityIssuer(
      [backend],
      signer,
      () => fakeClient(() => Promise.reject(failure)).client,
    );
    await expect(issuer.issue(plan, identity)).rejects.toMatchObject({
      code: expect.stringMatching(code) as unknown,
      phase: 'sts.assume-role-with-web-identity',
    });
  });

  it('refuses, before any call, what it cannot issue', async () => {
    const fake = fakeClient(answer);
    const issuer = new WebIdentityIssuer([backend], signer, () => fake.client);
    await expect(issuer.issue({ ...plan, backendId: 'other' }, identity)).rejects.toMatchObject({
      code: 'internal',
    });
    await expect(issuer.issue({ ...plan, roleArn: '' }, identity)).rejects.toMatchObject({
      code: 'internal',
    });
    expect(fake.sent).toHaveLength(0);
  });

  it('treats an answer without credentials as a backend failure', async () => {
    const issuer = new WebIdentityIssuer(
      [backend],
      signer,
      () => fakeClient(() => Promise.resolve({ Credentials: undefined })).client,
    );
    await expect(issuer.issue(plan, identity)).rejects.toMatchObject({
      code: 'upstream_unavailable',
      phase: 'sts.assume-role-with-web-identity',
    });
  });
});

describe('WebIdentityIssuer.issue when STS cannot verify the token', () => {
  const invalidToken = () =>
    Promise.reject(
      Object.assign(new Error('Invalid JWT signature'), {
        name: 'InvalidIdentityTokenException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

  it('says that a restarted broker made a new key STS has not fetched yet', async () => {
    const fresh = new WebIdentityTokenSigner(await WebIdentityKeyRing.generate(), {
      issuer: 'https://fedgate.example.com',
      audience: 'sts.amazonaws.com',
      tokenLifetimeSeconds: 300,
    });
    const issuer = new WebIdentityIssuer([backend], fresh, () => fakeClient(invalidToken).client);
    await expect(issuer.issue(plan, identity)).rejects.toMatchObject({
      code: 'sts_rejected',
      message: expect.stringContaining(
        'this broker signs with a key it made when it started (issuance.webIdentity.signingKeys is empty), ' +
          'and STS still knows only the keys it fetched from https://fedgate.example.com/.well-known/jwks.json before',
      ) as unknown,
      detail: { awsError: 'InvalidIdentityTokenException', ephemeralSigningKey: true },
    });
  });

  it('points at the published keys when the key is configured', async () => {
    const issuer = new WebIdentityIssuer([backend], signer, () => fakeClient(invalidToken).client);
    await expect(issuer.issue(plan, identity)).rejects.toMatchObject({
      code: 'sts_rejected',
      message: expect.stringContaining(
        'it found no key of https://fedgate.example.com/.well-known/jwks.json that verifies it',
      ) as unknown,
      detail: { ephemeralSigningKey: false },
    });
  });
});
