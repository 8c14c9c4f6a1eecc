/**
 * AssumeRoleWithWebIdentity against OIDC providers whose keys come from a
 * file and from a JWKS URL (a real HTTP server), driven by the SDK and by
 * botocore: signature, issuer, audience and expiry checks, the tags claim,
 * and trust-policy conditions on `ISSUER:aud` and `ISSUER:sub`.
 */
import { writeFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
  type AssumeRoleWithWebIdentityCommandInput,
} from '@aws-sdk/client-sts';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWTPayload, type KeyLike } from 'jose';
import { freePort, makeTempDir, sleep } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { botocore, result } from './botocore-runner';
import { anyString, matching } from './matchers';

const ISSUER = 'https://idp.example.com';
const PROVIDER_ARN = 'arn:aws:iam::111111111111:oidc-provider/idp.example.com';
const ROLE = 'arn:aws:iam::111111111111:role/WebDeveloper';
const REMOTE_ROLE = 'arn:aws:iam::111111111111:role/RemoteIdp';

let sts: TestStsLocal;
let directory: string;
let jwksServer: Server;
/** What the remote provider's JWKS URL serves; a test rotates it, as a restarted broker does. */
let servedKeys: object[];
let remoteIssuer: string;
let key: KeyLike;
let otherKey: KeyLike;
const anonymous = () => new STSClient({ region: 'us-east-1', endpoint: sts.url, maxAttempts: 1 });

async function token(
  claims: JWTPayload,
  options: { signingKey?: KeyLike; issuer?: string; expiresIn?: string } = {},
) {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience((claims.aud as string | undefined) ?? 'fedgate-cli')
    .setSubject(claims.sub ?? 'repo:corp/app:ref:refs/heads/main')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(options.signingKey ?? key);
}

function input(webIdentityToken: string, extra: Partial<AssumeRoleWithWebIdentityCommandInput> = {}) {
  return new AssumeRoleWithWebIdentityCommand({
    RoleArn: ROLE,
    RoleSessionName: 'ci.build',
    WebIdentityToken: webIdentityToken,
    ...extra,
  });
}

beforeAll(async () => {
  directory = await makeTempDir('fedgate-sts-local-oidc-');
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  ({ privateKey: otherKey } = await generateKeyPair('RS256'));
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  await writeFile(join(directory, 'jwks.json'), JSON.stringify({ keys: [publicJwk] }));
  servedKeys = [publicJwk];
  jwksServer = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: servedKeys }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  remoteIssuer = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/idp`;
  const deadPort = await freePort();
  const yaml = `
accounts:
  - id: '111111111111'
    oidcProviders:
      - { url: '${ISSUER}', clientIds: [fedgate-cli, other-client], jwksFile: '${join(directory, 'jwks.json')}' }
      - { url: '${remoteIssuer}', clientIds: [remote], jwksUri: '${remoteIssuer}/jwks' }
      - { url: 'https://down.example.com', clientIds: [down], jwksUri: 'http://127.0.0.1:${deadPort}/jwks' }
    roles:
      - name: WebDeveloper
        tags: { Purpose: ci }
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { Federated: '${PROVIDER_ARN}' }
              Action: [sts:AssumeRoleWithWebIdentity, sts:TagSession, sts:SetSourceIdentity]
              Condition:
                StringEquals: { 'idp.example.com:aud': fedgate-cli }
                StringLike: { 'idp.example.com:sub': 'repo:corp/*' }
      - name: RemoteIdp
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { Federated: ['arn:aws:iam::111111111111:oidc-provider/127.0.0.1:${
                (jwksServer.address() as AddressInfo).port
              }/idp', 'arn:aws:iam::111111111111:oidc-provider/down.example.com'] }
              Action: sts:AssumeRoleWithWebIdentity
`;
  sts = await startTestStsLocal(stsLocalConfigFrom(yaml));
});

afterAll(async () => {
  await sts.stop();
  await new Promise((resolve) => jwksServer.close(resolve));
  await rm(directory, { recursive: true, force: true });
});

describe('AssumeRoleWithWebIdentity with the SDK', () => {
  it('verifies the token and takes session tags and SourceIdentity from its claims', async () => {
    const jwt = await token({
      'https://aws.amazon.com/tags': {
        principal_tags: { team: ['platform'] },
        transitive_tag_keys: ['team'],
      },
      'https://aws.amazon.com/source_identity': 'alice',
    });
    const response = await anonymous().send(input(jwt));
    expect(response).toMatchObject({
      SubjectFromWebIdentityToken: 'repo:corp/app:ref:refs/heads/main',
      Provider: 'idp.example.com',
      Audience: 'fedgate-cli',
      SourceIdentity: 'alice',
      AssumedRoleUser: { Arn: 'arn:aws:sts::111111111111:assumed-role/WebDeveloper/ci.build' },
    });
    const credentials = response.Credentials;
    const client = new STSClient({
      region: 'us-east-1',
      endpoint: sts.url,
      maxAttempts: 1,
      credentials: {
        accessKeyId: credentials?.AccessKeyId ?? '',
        secretAccessKey: credentials?.SecretAccessKey ?? '',
        sessionToken: credentials?.SessionToken ?? '',
      },
    });
    expect((await client.send(new GetCallerIdentityCommand({}))).Arn).toBe(response.AssumedRoleUser?.Arn);
    expect(sts.logs.text()).not.toContain(jwt);
    expect(sts.logs.text()).not.toContain(credentials?.SessionToken ?? 'missing');
  });

  it('fetches keys from the provider JWKS URL', async () => {
    const jwt = await token({ aud: 'remote' }, { issuer: remoteIssuer });
    const response = await anonymous().send(input(jwt, { RoleArn: REMOTE_ROLE }));
    expect(response.Provider).toBe(remoteIssuer.replace('http://', ''));
  });

  it('accepts a key the provider rotated in a moment ago, as after a broker restart', async () => {
    await anonymous().send(
      input(await token({ aud: 'remote' }, { issuer: remoteIssuer }), { RoleArn: REMOTE_ROLE }),
    );
    const rotated = await generateKeyPair('RS256');
    servedKeys = [{ ...(await exportJWK(rotated.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' }];
    await sleep(1_100);
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k2' })
      .setIssuer(remoteIssuer)
      .setAudience('remote')
      .setSubject('repo:corp/app:ref:refs/heads/main')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(rotated.privateKey);
    const response = await anonymous().send(input(jwt, { RoleArn: REMOTE_ROLE }));
    expect(response.Provider).toBe(remoteIssuer.replace('http://', ''));
  });

  it.each<[string, () => Promise<string>, string, number]>([
    ['a sub the trust policy does not allow', () => token({ sub: 'repo:evil/app' }), 'AccessDenied', 403],
    [
      'an audience of the provider the policy does not allow',
      () => token({ aud: 'other-client' }),
      'AccessDenied',
      403,
    ],
    [
      'an audience that is not a client id',
      () => token({ aud: 'someone-else' }),
      'InvalidIdentityTokenException',
      400,
    ],
    ['an expired token', () => token({}, { expiresIn: '-1m' }), 'ExpiredTokenException', 400],
    [
      'a token signed by another key',
      () => token({}, { signingKey: otherKey }),
      'InvalidIdentityTokenException',
      400,
    ],
    [
      'an unknown issuer',
      () => token({}, { issuer: 'https://unknown.example.com' }),
      'InvalidIdentityTokenException',
      400,
    ],
    ['a token that is not a JWT', () => Promise.resolve('not.a.jwt'), 'InvalidIdentityTokenException', 400],
    [
      'an unsigned token (alg none)',
      () =>
        Promise.resolve(
          new UnsecuredJWT({ sub: 'repo:corp/x', aud: 'fedgate-cli' })
            .setIssuer(ISSUER)
            .setExpirationTime('5m')
            .encode(),
        ),
      'InvalidIdentityTokenException',
      400,
    ],
    [
      'an HMAC-signed token',
      () =>
        new SignJWT({ sub: 'repo:corp/x', aud: 'fedgate-cli' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(ISSUER)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('x'.repeat(32))),
      'InvalidIdentityTokenException',
      400,
    ],
    [
      'duplicate tag keys in the tags claim',
      () => token({ 'https://aws.amazon.com/tags': { principal_tags: { Team: ['a'], team: ['b'] } } }),
      'InvalidParameterValue',
      400,
    ],
    [
      'a provider whose JWKS URL does not answer',
      () => token({ aud: 'down' }, { issuer: 'https://down.example.com' }),
      'IDPCommunicationErrorException',
      400,
    ],
  ])('refuses %s', async (_name, make, sdkName, status) => {
    const roleArn = sdkName === 'IDPCommunicationErrorException' ? REMOTE_ROLE : ROLE;
    await expect(anonymous().send(input(await make(), { RoleArn: roleArn }))).rejects.toMatchObject({
      name: sdkName,
      $metadata: { httpStatusCode: status },
    });
  });
});

describe('AssumeRoleWithWebIdentity with botocore', () => {
  it('parses the response and the errors', async () => {
    const results = await botocore(sts.url, [
      {
        name: 'ok',
        op: 'assume_role_with_web_identity',
        params: { RoleArn: ROLE, RoleSessionName: 'ci', WebIdentityToken: await token({}) },
      },
      {
        name: 'expired',
        op: 'assume_role_with_web_identity',
        params: {
          RoleArn: ROLE,
          RoleSessionName: 'ci',
          WebIdentityToken: await token({}, { expiresIn: '-1m' }),
        },
      },
      {
        name: 'invalid',
        op: 'assume_role_with_web_identity',
        params: { RoleArn: ROLE, RoleSessionName: 'ci', WebIdentityToken: 'xx.yy.zz' },
      },
      {
        name: 'denied',
        op: 'assume_role_with_web_identity',
        params: { RoleArn: ROLE, RoleSessionName: 'ci', WebIdentityToken: await token({ sub: 'x' }) },
      },
    ]);
    expect(result(results, 'ok').response).toEqual({
      Credentials: {
        AccessKeyId: matching(/^ASIA/),
        SecretAccessKey: anyString,
        SessionToken: anyString,
        Expiration: anyString,
      },
      SubjectFromWebIdentityToken: 'repo:corp/app:ref:refs/heads/main',
      AssumedRoleUser: {
        AssumedRoleId: matching(/^AROA[A-Z2-7]{17}:ci$/),
        Arn: 'arn:aws:sts::111111111111:assumed-role/WebDeveloper/ci',
      },
      Provider: 'idp.example.com',
      Audience: 'fedgate-cli',
    });
    expect(result(results, 'expired')).toMatchObject({
      code: 'ExpiredTokenException',
      status: 400,
      exception: 'ExpiredTokenException',
    });
    expect(result(results, 'invalid')).toMatchObject({
      code: 'InvalidIdentityToken',
      status: 400,
      exception: 'InvalidIdentityTokenException',
    });
    expect(result(results, 'denied')).toMatchObject({ code: 'AccessDenied', status: 403 });
  });
});
