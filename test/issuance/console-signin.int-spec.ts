/**
 * Console sign-in against the real sts-local (docs/issuance.md#console-sign-in): ConsoleSignin
 * trades credentials that sts-local issued for a sign-in token at its
 * federation endpoint, and the login URL it returns opens the demo console
 * page of the right session. Failures of the endpoint (refusals, no
 * answer) come back as FedgateErrors that carry no secret.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import {
  AssumeRoleCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  STSClient,
  type Credentials,
} from '@aws-sdk/client-sts';
import { FedgateError } from '@fedgate/core';
import { allowedConsoleDestination, ConsoleSignin, type IssuedCredentials } from '@fedgate/issuance';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { ACCOUNT, BROKER, roleArn, TEST_CONFIG_YAML, TEST_ENV } from '../sts-local/sts-local-test-config';

const ISSUER = 'https://fedgate.example.com/';

const CN_CONFIG_YAML = `
partition: aws-cn
regions: [cn-north-1]
accounts:
  - id: '${ACCOUNT}'
    users:
      - name: broker
        accessKeyId: ${BROKER.accessKeyId}
        secretAccessKey: \${env:BROKER_SECRET}
    roles:
      - name: Dev
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: 'arn:aws-cn:iam::${ACCOUNT}:user/broker' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
`;

let sts: TestStsLocal;
let broker: STSClient;
const secrets: string[] = [];
const signin = new ConsoleSignin({ issuer: ISSUER, timeoutMs: 5000 });

beforeAll(async () => {
  sts = await startTestStsLocal(stsLocalConfigFrom(TEST_CONFIG_YAML, TEST_ENV));
  broker = new STSClient({ region: 'us-east-1', endpoint: sts.url, credentials: BROKER, maxAttempts: 1 });
});

afterAll(async () => {
  broker.destroy();
  await sts.stop();
});

function issued(
  credentials: Credentials | undefined,
  kind: IssuedCredentials['kind'],
  arn?: string,
): IssuedCredentials {
  if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined) {
    throw new Error('STS returned no credentials');
  }
  secrets.push(credentials.SecretAccessKey, credentials.SessionToken ?? '');
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken ?? '',
    expiration: credentials.Expiration ?? new Date(),
    accountId: ACCOUNT,
    kind,
    ...(arn === undefined ? {} : { assumedRoleArn: arn }),
  };
}

async function assumeBasic(sessionName = 'alice.0a1b2c3d'): Promise<IssuedCredentials> {
  const response = await broker.send(
    new AssumeRoleCommand({
      RoleArn: roleArn('Basic'),
      RoleSessionName: sessionName,
      SourceIdentity: 'alice',
      Tags: [
        { Key: 'fedgate:mfa', Value: 'true' },
        { Key: 'Department', Value: 'Data' },
      ],
    }),
  );
  return issued(response.Credentials, 'role', response.AssumedRoleUser?.Arn);
}

/** Opens a login URL the way a browser would, and returns the console page. */
async function open(url: string): Promise<{ status: number; page: string }> {
  secrets.push(new URL(url).searchParams.get('SigninToken') ?? '');
  const response = await fetch(url, { redirect: 'manual' });
  return { status: response.status, page: await response.text() };
}

function row(page: string, name: string): string | undefined {
  return new RegExp(`<tr><th>${name}</th><td>([^<]*)</td></tr>`).exec(page)?.[1];
}

function consoleEndsAt(page: string): number {
  return Date.parse(row(page, 'Console session ends') ?? '');
}

async function failure(promise: Promise<unknown>): Promise<FedgateError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FedgateError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a failure');
}

/** Message, detail, cause and stack: nothing of the exchange's secrets or URLs. */
function expectNoSecrets(error: FedgateError, credentials: IssuedCredentials): void {
  const seen = JSON.stringify({
    message: error.message,
    detail: error.detail,
    stack: error.stack,
    // The whole error as a log line would show it, causes included.
    inspected: inspect(error, { depth: 6 }),
  });
  for (const secret of [credentials.secretAccessKey, credentials.sessionToken]) {
    expect(seen).not.toContain(secret);
    expect(seen).not.toContain(encodeURIComponent(secret));
  }
  expect(seen).not.toContain('Session=');
  expect(seen).not.toContain('SigninToken=');
}

describe('ConsoleSignin against sts-local', () => {
  it('signs role credentials in: the console page shows the role session, SourceIdentity and tags', async () => {
    const credentials = await assumeBasic();
    const destination = allowedConsoleDestination(
      'aws',
      'https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1',
    );
    const before = Date.now();
    const url = await signin.signinUrl(credentials, {
      partition: 'aws',
      signinUrl: `${sts.url}/federation`,
      destination,
      sessionDurationSeconds: 100_000,
    });

    expect(url.startsWith(`${sts.url}/federation?Action=login&Issuer=`)).toBe(true);
    expect(Object.fromEntries(new URL(url).searchParams)).toMatchObject({
      Action: 'login',
      Issuer: ISSUER,
      Destination: destination,
    });
    const { status, page } = await open(url);
    expect(status).toBe(200);
    expect(credentials.assumedRoleArn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Basic/alice.0a1b2c3d`);
    expect(row(page, 'ARN')).toBe(credentials.assumedRoleArn);
    expect(row(page, 'Account')).toBe(ACCOUNT);
    expect(row(page, 'Role')).toBe('Basic');
    expect(row(page, 'Session name')).toBe('alice.0a1b2c3d');
    expect(row(page, 'SourceIdentity')).toBe('alice');
    expect(row(page, 'Issuer')).toBe(ISSUER);
    expect(row(page, 'Destination')).toBe(destination.replace(/&/g, '&#38;'));
    for (const [key, value] of [
      ['fedgate:mfa', 'true'],
      ['Department', 'Data'],
      ['Purpose', 'tests'],
    ]) {
      expect(page).toContain(`<li><code>${key}</code> = <code>${value}</code></li>`);
    }
    // Asked for 100000 s: clamped to AWS's 12 hours.
    const ends = consoleEndsAt(page);
    expect(ends).toBeGreaterThanOrEqual(before + 43_200_000 - 2000);
    expect(ends).toBeLessThanOrEqual(Date.now() + 43_200_000 + 2000);
  });

  it('gives the console session the duration asked for', async () => {
    const before = Date.now();
    const url = await signin.signinUrl(await assumeBasic('alice.short'), {
      partition: 'aws',
      signinUrl: `${sts.url}/federation`,
      destination: allowedConsoleDestination('aws'),
      sessionDurationSeconds: 1800,
    });
    const { status, page } = await open(url);
    expect(status).toBe(200);
    expect(new URL(url).searchParams.get('Destination')).toBe('https://console.aws.amazon.com/');
    expect(consoleEndsAt(page)).toBeGreaterThanOrEqual(before + 1_800_000 - 2000);
    expect(consoleEndsAt(page)).toBeLessThanOrEqual(Date.now() + 1_800_000 + 2000);
  });

  it('signs GetFederationToken credentials in without SessionDuration: the console ends with them', async () => {
    const response = await broker.send(new GetFederationTokenCommand({ Name: 'bob', DurationSeconds: 3600 }));
    const credentials = issued(response.Credentials, 'federated-user', response.FederatedUser?.Arn);
    const url = await signin.signinUrl(credentials, {
      partition: 'aws',
      signinUrl: `${sts.url}/federation`,
      destination: allowedConsoleDestination('aws', undefined, 'https://console.aws.amazon.com/iam/home'),
      // Asked for, but never sent for these credentials (the endpoint would refuse it).
      sessionDurationSeconds: 43_200,
    });
    const { status, page } = await open(url);
    expect(status).toBe(200);
    expect(row(page, 'Federated user')).toBe(`arn:aws:sts::${ACCOUNT}:federated-user/bob`);
    expect(Math.abs(consoleEndsAt(page) - credentials.expiration.getTime())).toBeLessThan(1000);
  });

  it('maps sts-local refusals to sts_rejected without secrets', async () => {
    const federated = await broker.send(new GetFederationTokenCommand({ Name: 'carol' }));
    const ownSession = await broker.send(new GetSessionTokenCommand({}));
    const role = await assumeBasic('alice.wrong');
    const cases: [IssuedCredentials, number | undefined, string][] = [
      // Mislabelled federation-token credentials: sts-local refuses SessionDuration for them.
      [
        issued(federated.Credentials, 'role'),
        3600,
        'SessionDuration cannot be used with GetFederationToken credentials',
      ],
      [
        issued(ownSession.Credentials, 'role'),
        undefined,
        'Credentials from GetSessionToken cannot sign in to the console',
      ],
      [
        { ...role, secretAccessKey: 'not-the-secret-key-0000' },
        undefined,
        'The session credentials are invalid',
      ],
    ];
    for (const [credentials, sessionDurationSeconds, reason] of cases) {
      const error = await failure(
        signin.signinUrl(credentials, {
          partition: 'aws',
          signinUrl: `${sts.url}/federation`,
          destination: 'https://console.aws.amazon.com/',
          sessionDurationSeconds,
        }),
      );
      expect({ code: error.code, reason: error.detail.reason, status: error.detail.status }).toEqual({
        code: 'sts_rejected',
        reason,
        status: 400,
      });
      expect(error.message).toBe('The console federation endpoint refused the sign-in (HTTP 400)');
      expectNoSecrets(error, credentials);
      expectNoSecrets(error, role);
    }
  });

  it('maps an unreachable, hanging or failing endpoint to upstream_unavailable without secrets', async () => {
    const credentials = await assumeBasic('alice.unreachable');
    const target = { partition: 'aws', destination: 'https://console.aws.amazon.com/' } as const;

    // A port nothing listens on.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port: closedPort } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) =>
      closed.close(() => {
        resolve();
      }),
    );
    const refused = await failure(
      signin.signinUrl(credentials, { ...target, signinUrl: `http://127.0.0.1:${closedPort}/federation` }),
    );
    expect(refused.code).toBe('upstream_unavailable');
    expect(refused.message).toBe('The console federation endpoint could not be reached');
    expect(refused.detail).toMatchObject({
      endpoint: `http://127.0.0.1:${closedPort}/federation`,
      errorCode: 'ECONNREFUSED',
    });
    expectNoSecrets(refused, credentials);

    // A server that takes the request and never answers, and one that fails.
    const seen: string[] = [];
    const server: Server = createServer((request, response) => {
      seen.push(request.url ?? '');
      if (request.url?.startsWith('/fail') === true) {
        response.writeHead(503, { 'content-type': 'text/plain' });
        response.end('Service Unavailable');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const impatient = new ConsoleSignin({ issuer: ISSUER, timeoutMs: 300 });
      const hung = await failure(impatient.signinUrl(credentials, { ...target, signinUrl: `${base}/hang` }));
      expect(hung.code).toBe('upstream_unavailable');
      expect(hung.message).toBe('The console federation endpoint did not answer within 300 ms');
      expectNoSecrets(hung, credentials);

      const failed = await failure(signin.signinUrl(credentials, { ...target, signinUrl: `${base}/fail` }));
      expect(failed.code).toBe('upstream_unavailable');
      expect(failed.detail).toMatchObject({ status: 503, reason: 'Service Unavailable' });
      expectNoSecrets(failed, credentials);
      // The requests did reach the servers, credentials in the query as the protocol wants.
      expect(seen).toHaveLength(2);
      expect(seen[0]).toContain(encodeURIComponent(credentials.sessionToken));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    }
  });

  it('runs in the aws-cn partition: Destination on console.amazonaws.cn, aws-cn ARNs', async () => {
    const cn = await startTestStsLocal(stsLocalConfigFrom(CN_CONFIG_YAML, TEST_ENV));
    const client = new STSClient({
      region: 'cn-north-1',
      endpoint: cn.url,
      credentials: BROKER,
      maxAttempts: 1,
    });
    try {
      const response = await client.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws-cn:iam::${ACCOUNT}:role/Dev`,
          RoleSessionName: 'li.0a1b2c3d',
          SourceIdentity: 'li',
        }),
      );
      const credentials = issued(response.Credentials, 'role', response.AssumedRoleUser?.Arn);
      expect(credentials.assumedRoleArn).toBe(`arn:aws-cn:sts::${ACCOUNT}:assumed-role/Dev/li.0a1b2c3d`);
      const target = { partition: 'aws-cn', signinUrl: `${cn.url}/federation` } as const;

      // The aws console is not this partition's.
      expect(() => allowedConsoleDestination('aws-cn', 'https://console.aws.amazon.com/')).toThrow(
        FedgateError,
      );
      const offPartition = await failure(
        signin.signinUrl(credentials, { ...target, destination: 'https://console.aws.amazon.com/' }),
      );
      expect(offPartition.code).toBe('invalid_request');

      const url = await signin.signinUrl(credentials, {
        ...target,
        destination: allowedConsoleDestination('aws-cn'),
        sessionDurationSeconds: 3600,
      });
      const destination = new URL(new URL(url).searchParams.get('Destination') ?? '');
      expect(destination.protocol).toBe('https:');
      expect(destination.hostname).toBe('console.amazonaws.cn');
      const { status, page } = await open(url);
      expect(status).toBe(200);
      expect(row(page, 'ARN')).toBe(credentials.assumedRoleArn);
      expect(row(page, 'SourceIdentity')).toBe('li');

      const regional = await signin.signinUrl(credentials, {
        ...target,
        destination: allowedConsoleDestination('aws-cn', 'https://cn-north-1.console.amazonaws.cn/ec2/home'),
      });
      expect((await open(regional)).status).toBe(200);
      expect(cn.logs.text()).toContain('federation request');
      for (const secret of secrets.filter((value) => value !== '')) {
        expect(cn.logs.text()).not.toContain(secret);
      }
    } finally {
      client.destroy();
      await cn.stop();
    }
  });

  it('leaves no credential or sign-in token in sts-local logs', () => {
    const logs = sts.logs.text();
    expect(logs).toContain('federation request');
    for (const secret of secrets.filter((value) => value !== '')) {
      expect(logs).not.toContain(secret);
    }
  });
});
