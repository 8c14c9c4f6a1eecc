/**
 * Mode web-identity against real STS implementations. sts-local verifies
 * the tokens fedgate signs through fedgate's own JWKS, served over HTTP by
 * the broker's WellKnownController, and checks the role's trust policy
 * (aud and sub conditions, sts:TagSession, sts:SetSourceIdentity); the
 * session then carries the compiled tags and SourceIdentity. moto_server
 * answers the same call. A capture server shows that the broker sends no
 * Authorization header even with AWS credentials in its environment.
 */
import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
  type STSClient as StsClientType,
} from '@aws-sdk/client-sts';
import { parseConfig, type BackendConfig, type FedgateConfig } from '@fedgate/broker-config';
import type { Identity } from '@fedgate/core';
import {
  createStsClient,
  createUnsignedStsClient,
  resolveWebIdentitySettings,
  WebIdentityIssuer,
  WebIdentityKeyRing,
  WebIdentityTokenSigner,
  type IssuedCredentials,
} from '@fedgate/issuance';
import type { WebIdentityPlan } from '@fedgate/mapping';
import { WellKnownController } from '../../apps/broker/src/controllers/well-known.controller';
import { BROKER_STARTUP_CONFIG } from '../../apps/broker/src/tokens';
import { startMoto, type MotoServer } from '../harness/moto';
import {
  demoConsolePage,
  htmlEscaped,
  startTestStsLocal,
  stsLocalConfigFrom,
  type TestStsLocal,
} from '../harness/sts-local';
import { planFor } from '../mapping/compiled-request';

const ACCOUNT = '111111111111';
const ISSUER_HOST = 'fedgate.example.com';
const ISSUER = `https://${ISSUER_HOST}`;
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER_HOST}`;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

function rsaPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
}

const CURRENT_KEY = rsaPem();
const RETIRED_KEY = rsaPem();
const UNPUBLISHED_KEY = rsaPem();

/** The broker config as an administrator writes it; keys by ${env:…} reference. */
function brokerConfig(endpoint: string): FedgateConfig {
  const yaml = `
server: { publicUrl: '${ISSUER}/' }
connectors:
  - id: corp
    type: static
    users: [{ username: placeholder, passwordHash: "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$m1rlnJxXIEcXFdgJ0YqXrS+jxF7V3HvXgaGrFYcBnYg=" }]
  - id: github
    type: static
    users: [{ username: placeholder, passwordHash: "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$m1rlnJxXIEcXFdgJ0YqXrS+jxF7V3HvXgaGrFYcBnYg=" }]
backends:
  - { id: local, type: sts, mode: web-identity, endpoint: '${endpoint}', maxAttempts: 1 }
accounts: [{ id: '${ACCOUNT}', name: sandbox, backend: local }]
permissionSets:
  - name: Data
    roleName: fedgate-Data
    sessionDuration: 2h
    maxSessionDuration: 4h
    tags: { Department: '{{attributes.department}}' }
    transitiveTagKeys: [Department]
    sessionPolicy:
      Version: '2012-10-17'
      Statement: [{ Effect: Allow, Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::data-{{accountId}}/*' }]
assignments:
  - { match: { groups: [data] }, accounts: [sandbox], permissionSets: [Data] }
mapping: { tags: { authTags: true } }
issuance:
  webIdentity:
    signingKeys:
      - { id: current, privateKey: '\${env:CURRENT_KEY}' }
      - { id: retired, privateKey: '\${env:RETIRED_KEY}' }
`;
  const result = parseConfig(yaml, {
    env: { CURRENT_KEY: CURRENT_KEY, RETIRED_KEY: RETIRED_KEY },
    baseDir: __dirname,
  });
  if (!result.ok) {
    throw new Error(result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  }
  return result.config;
}

function identity(overrides: Partial<Identity> = {}): Identity {
  return {
    connectorId: 'corp',
    subject: '00u-zoe',
    username: 'zoe',
    groups: ['data'],
    attributes: { department: ['Données'] },
    mfa: { satisfied: true, methods: ['webauthn'] },
    authTime: new Date(Date.now() - 60_000).toISOString(),
    ...overrides,
  };
}

function planOf(config: FedgateConfig, who: Identity): WebIdentityPlan {
  return planFor('web-identity', who, config, { account: 'sandbox', permissionSet: 'Data' });
}

/** The broker's WellKnownController alone, on a free loopback port: fedgate's JWKS over real HTTP. */
async function serveWellKnown(config: FedgateConfig, keys: WebIdentityKeyRing): Promise<INestApplication> {
  @Module({
    controllers: [WellKnownController],
    providers: [
      { provide: BROKER_STARTUP_CONFIG, useValue: config },
      { provide: WebIdentityKeyRing, useValue: keys },
    ],
  })
  class WellKnownOnly {}
  const app = await NestFactory.create(WellKnownOnly, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

function urlOf(app: INestApplication): string {
  const server = app.getHttpServer() as Server;
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function clientWith(endpoint: string, credentials: IssuedCredentials): StsClientType {
  return new STSClient({
    region: 'us-east-1',
    endpoint,
    maxAttempts: 1,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
  });
}

describe('web-identity against sts-local, verified through fedgate’s JWKS', () => {
  let sts: TestStsLocal;
  let wellKnown: INestApplication;
  let config: FedgateConfig;
  let keys: WebIdentityKeyRing;
  let issuer: WebIdentityIssuer;
  const others: WebIdentityIssuer[] = [];

  /** An issuer like the broker's, but signing with other keys or settings. */
  function issuerWith(ring: WebIdentityKeyRing, audience?: string): WebIdentityIssuer {
    const settings = resolveWebIdentitySettings(config.issuance, config.server.publicUrl);
    const made = new WebIdentityIssuer(
      config.backends,
      new WebIdentityTokenSigner(ring, { ...settings, audience: audience ?? settings.audience }),
    );
    others.push(made);
    return made;
  }

  beforeAll(async () => {
    // The JWKS server must be up before sts-local's config can name it, and sts-local's URL goes
    // into the broker config: serve the documents with a config for a placeholder endpoint first.
    const draft = brokerConfig('http://127.0.0.1:1');
    keys = await WebIdentityKeyRing.fromConfig(draft.issuance.webIdentity.signingKeys);
    wellKnown = await serveWellKnown(draft, keys);
    sts = await startTestStsLocal(
      stsLocalConfigFrom(`
accounts:
  - id: '${ACCOUNT}'
    oidcProviders:
      - { url: '${ISSUER}', clientIds: [sts.amazonaws.com], jwksUri: '${urlOf(wellKnown)}/.well-known/jwks.json' }
    roles:
      - name: fedgate-Data
        maxSessionDuration: 4h
        trustPolicy:
          Version: '2012-10-17'
          Statement:
            - Effect: Allow
              Principal: { Federated: '${PROVIDER_ARN}' }
              Action: [sts:AssumeRoleWithWebIdentity, sts:TagSession, sts:SetSourceIdentity]
              Condition:
                StringEquals: { '${ISSUER_HOST}:aud': sts.amazonaws.com }
                StringLike: { '${ISSUER_HOST}:sub': 'corp:*' }
`),
    );
    config = brokerConfig(sts.url);
    issuer = new WebIdentityIssuer(
      config.backends,
      new WebIdentityTokenSigner(keys, resolveWebIdentitySettings(config.issuance, config.server.publicUrl)),
    );
  });

  afterAll(async () => {
    issuer.close();
    for (const other of others) {
      other.close();
    }
    await sts.stop();
    await wellKnown.close();
  });

  it('serves the discovery document and the public keys, cacheable, without private members', async () => {
    const discovery = await fetch(`${urlOf(wellKnown)}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(discovery.headers.get('cache-control')).toBe('public, max-age=300');
    expect(discovery.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await discovery.json()).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['RS256'],
    });

    const jwksResponse = await fetch(`${urlOf(wellKnown)}/.well-known/jwks.json`);
    expect(jwksResponse.status).toBe(200);
    expect(jwksResponse.headers.get('cache-control')).toBe('public, max-age=300');
    expect(jwksResponse.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await jwksResponse.text();
    const jwks = JSON.parse(text) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual(['current', 'retired']);
    for (const key of jwks.keys) {
      for (const member of PRIVATE_MEMBERS) {
        expect(key).not.toHaveProperty(member);
      }
    }
    expect(text).not.toMatch(/"(d|p|q|dp|dq|qi)"\s*:/);
  });

  it('issues role credentials whose session carries the compiled tags and SourceIdentity', async () => {
    const who = identity();
    const plan = planOf(config, who);
    const credentials = await issuer.issue(plan, who);
    const sessionArn = `arn:aws:sts::${ACCOUNT}:assumed-role/fedgate-Data/${plan.roleSessionName}`;
    expect(credentials).toMatchObject({ kind: 'role', accountId: ACCOUNT, assumedRoleArn: sessionArn });
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    // Not role chaining: the permission set's 2 h, not the 1 h chaining cap.
    expect(credentials.expiration.getTime() - Date.now()).toBeGreaterThan(7100_000);

    const client = clientWith(sts.url, credentials);
    try {
      expect((await client.send(new GetCallerIdentityCommand({}))).Arn).toBe(sessionArn);
    } finally {
      client.destroy();
    }

    const { status, html } = await demoConsolePage(sts.url, credentials, ISSUER);
    expect(status).toBe(200);
    expect(plan.sessionTags.map((tag) => tag.key)).toEqual([
      'Department',
      'fedgate:mfa',
      'fedgate:auth-time',
    ]);
    for (const shown of [
      plan.roleSessionName,
      plan.sourceIdentity,
      ...plan.sessionTags.flatMap((tag) => [tag.key, tag.value]),
    ]) {
      expect(html).toContain(htmlEscaped(shown));
    }
  });

  it('still accepts tokens of the retired key while it is published', async () => {
    const retired = WebIdentityKeyRing.fromPem([{ id: 'retired', privateKey: RETIRED_KEY }]);
    const who = identity();
    await expect(issuerWith(retired).issue(planOf(config, who), who)).resolves.toMatchObject({
      kind: 'role',
    });
  });

  it.each<[string, () => WebIdentityKeyRing]>([
    ['a key that is not published', () => WebIdentityKeyRing.fromPem([{ privateKey: UNPUBLISHED_KEY }])],
    [
      'an unpublished key that reuses a published kid',
      () => WebIdentityKeyRing.fromPem([{ id: 'current', privateKey: UNPUBLISHED_KEY }]),
    ],
  ])('refuses a token signed by %s', async (_name, ring) => {
    const who = identity();
    await expect(issuerWith(ring()).issue(planOf(config, who), who)).rejects.toMatchObject({
      code: expect.stringMatching(/^sts_(rejected|denied)$/) as unknown,
      detail: { awsError: 'InvalidIdentityTokenException' },
    });
  });

  it('refuses a token for another audience', async () => {
    const who = identity();
    await expect(issuerWith(keys, 'someone-else').issue(planOf(config, who), who)).rejects.toMatchObject({
      code: expect.stringMatching(/^sts_(rejected|denied)$/) as unknown,
    });
  });

  it('is bound by the trust policy’s sub condition', async () => {
    const outsider = identity({ connectorId: 'github', subject: '4242' });
    await expect(issuer.issue(planOf(config, outsider), outsider)).rejects.toMatchObject({
      code: 'sts_denied',
      detail: { awsError: 'AccessDenied' },
    });
  });
});

describe('web-identity sends no Authorization header, whatever the environment holds', () => {
  let capture: Server;
  let endpoint: string;
  const seen: IncomingHttpHeaders[] = [];
  const saved = {
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
    AWS_SESSION_TOKEN: process.env.AWS_SESSION_TOKEN,
  };

  beforeAll(async () => {
    capture = createServer((request, response) => {
      seen.push(request.headers);
      request.resume();
      request.on('end', () => {
        const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        response.writeHead(200, { 'content-type': 'text/xml' });
        response.end(
          `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` +
            `<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIACAPTURE000000001</AccessKeyId>` +
            `<SecretAccessKey>capture-secret</SecretAccessKey><SessionToken>capture-token</SessionToken>` +
            `<Expiration>${expiration}</Expiration></Credentials>` +
            `<AssumedRoleUser><AssumedRoleId>AROACAPTURE:s</AssumedRoleId>` +
            `<Arn>arn:aws:sts::${ACCOUNT}:assumed-role/fedgate-Data/s</Arn></AssumedRoleUser>` +
            `</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>` +
            `</AssumeRoleWithWebIdentityResponse>`,
        );
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(capture.address() as AddressInfo).port}`;
    process.env.AWS_ACCESS_KEY_ID = 'AKIAENVIRONMENT00001';
    process.env.AWS_SECRET_ACCESS_KEY = 'environment-secret-key-0123456789';
    process.env.AWS_SESSION_TOKEN = 'environment-session-token';
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) {
        Reflect.deleteProperty(process.env, name);
      } else {
        process.env[name] = value;
      }
    }
    await new Promise((resolve) => capture.close(resolve));
  });

  it('while a signed client in the same environment would sign', async () => {
    const config = brokerConfig(endpoint);
    const backend: BackendConfig = config.backends[0]!;
    const keys = await WebIdentityKeyRing.fromConfig(config.issuance.webIdentity.signingKeys);
    const issuer = new WebIdentityIssuer(
      config.backends,
      new WebIdentityTokenSigner(keys, resolveWebIdentitySettings(config.issuance, config.server.publicUrl)),
    );
    const who = identity();
    try {
      await expect(issuer.issue(planOf(config, who), who)).resolves.toMatchObject({
        accessKeyId: 'ASIACAPTURE000000001',
      });
    } finally {
      issuer.close();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toHaveProperty('authorization');
    expect(seen[0]).not.toHaveProperty('x-amz-security-token');

    // The same call through the broker's signed client does sign: the capture would have seen it.
    const signed = createStsClient(backend);
    const unsigned = createUnsignedStsClient(backend);
    try {
      const input = {
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/fedgate-Data`,
        RoleSessionName: 's',
        WebIdentityToken: 'a.b.c',
      };
      await unsigned.send(new AssumeRoleWithWebIdentityCommand(input));
      expect(seen[1]).not.toHaveProperty('authorization');
      await signed.send(new GetCallerIdentityCommand({})).catch(() => undefined);
      expect(seen[2]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAENVIRONMENT00001\//);
    } finally {
      signed.destroy();
      unsigned.destroy();
    }
  });
});

describe('web-identity against moto_server', () => {
  let moto: MotoServer;

  beforeAll(async () => {
    moto = await startMoto();
  });

  afterAll(async () => {
    await moto.stop();
  });

  it('returns role credentials for the signed token', async () => {
    const config = brokerConfig(moto.url);
    const keys = await WebIdentityKeyRing.fromConfig(config.issuance.webIdentity.signingKeys);
    const issuer = new WebIdentityIssuer(
      config.backends,
      new WebIdentityTokenSigner(keys, resolveWebIdentitySettings(config.issuance, config.server.publicUrl)),
    );
    const who = identity();
    const plan = planOf(config, who);
    try {
      const credentials = await issuer.issue(plan, who);
      expect(credentials).toMatchObject({
        kind: 'role',
        accountId: ACCOUNT,
        assumedRoleArn: expect.stringContaining(
          `assumed-role/fedgate-Data/${plan.roleSessionName}`,
        ) as unknown,
      });
      expect(credentials.accessKeyId).toMatch(/^ASIA/);
      expect(credentials.secretAccessKey).not.toBe('');
      expect(credentials.sessionToken).not.toBe('');
      expect(credentials.expiration.getTime()).toBeGreaterThan(Date.now());
    } finally {
      issuer.close();
    }
  });
});
