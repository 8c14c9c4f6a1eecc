/**
 * Backend retries and errors mapped for people, against real servers:
 * sts-local throttling (the `Throttling` error AWS sends), an HTTP server
 * that answers 500, and a TCP server that accepts and never answers. The
 * SDK client is fedgate's own (createStsClient: the SDK's retry strategy
 * with the backend's attempts and full-jitter backoff); requests are
 * counted where they arrive, at the backend.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { BackendConfig } from '@fedgate/broker-config';
import { FedgateError } from '@fedgate/core';
import {
  AssumeRoleIssuer,
  FederationTokenIssuer,
  StsClients,
  type IssuedCredentials,
} from '@fedgate/issuance';
import type { AssumeRolePlan, DurationPlan, FederationTokenPlan } from '@fedgate/mapping';
import { httpStatusFor } from '../../apps/broker/src/http/error-response';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { ACCOUNT, BROKER, roleArn, TEST_CONFIG_YAML, TEST_ENV } from '../sts-local/sts-local-test-config';

function backendAt(endpoint: string, overrides: Partial<BackendConfig> = {}): BackendConfig {
  return {
    id: 'local',
    type: 'sts',
    mode: 'assume-role',
    region: 'us-east-1',
    endpoint,
    partition: 'aws',
    credentials: BROKER,
    roleChaining: false,
    timeout: 5,
    maxAttempts: 3,
    retryBaseDelayMs: 10,
    retryMaxDelayMs: 50,
    ...overrides,
  };
}

/** A planned duration of this many seconds. */
function lasting(seconds: number): DurationPlan {
  return { seconds, limitedBy: 'permission-set', explanation: `${seconds}s` };
}

function rolePlan(role: string, overrides: Partial<AssumeRolePlan> = {}): AssumeRolePlan {
  return {
    mode: 'assume-role',
    accountId: ACCOUNT,
    accountName: 'test',
    partition: 'aws',
    backendId: 'local',
    permissionSet: role,
    duration: lasting(3600),
    roleArn: roleArn(role),
    roleSessionName: 'alice.0123abcd',
    sourceIdentity: 'alice',
    sessionTags: [],
    transitiveTagKeys: [],
    policyArns: [],
    ...overrides,
  };
}

function federationPlan(overrides: Partial<FederationTokenPlan> = {}): FederationTokenPlan {
  return {
    mode: 'federation-token',
    accountId: ACCOUNT,
    accountName: 'test',
    partition: 'aws',
    backendId: 'local',
    permissionSet: 'ReadOnly',
    duration: lasting(3600),
    federatedUserName: 'alice.0123abcd',
    sessionTags: [],
    policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    ...overrides,
  };
}

/** Runs the issuer and returns what it threw (the test fails if it did not throw a FedgateError). */
async function failure(promise: Promise<IssuedCredentials>): Promise<FedgateError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FedgateError);
  return error as FedgateError;
}

/** sts-local's request log lines: one per request it answered ('sts request' or 'sts request refused'). */
function stsRequests(
  sts: TestStsLocal,
): { action?: string; status?: number; code?: string; requestId?: string }[] {
  return sts.logs.lines().filter((line) => line.msg === 'sts request' || line.msg === 'sts request refused');
}

describe('STS throttling at sts-local', () => {
  let sts: TestStsLocal;

  beforeAll(async () => {
    // One request per caller, then nothing refills during the test (a token per ten minutes).
    const yaml = `throttling: { requestsPerSecond: 0.0017, burst: 1 }\n${TEST_CONFIG_YAML}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(yaml, TEST_ENV));
  });

  afterAll(async () => {
    await sts.stop();
  });

  it('retries Throttling up to maxAttempts, then fails with upstream_throttled (503) and a Retry-After', async () => {
    const clients = new StsClients([backendAt(sts.url, { maxAttempts: 3, retryMaxDelayMs: 1500 })]);
    const issuer = new AssumeRoleIssuer(clients);
    try {
      await expect(issuer.issue(rolePlan('Basic'))).resolves.toMatchObject({ kind: 'role' });
      const before = stsRequests(sts).length;

      const error = await failure(issuer.issue(rolePlan('Basic')));

      const seen = stsRequests(sts).slice(before);
      expect(seen.map((line) => [line.action, line.status, line.code])).toEqual([
        ['AssumeRole', 400, 'Throttling'],
        ['AssumeRole', 400, 'Throttling'],
        ['AssumeRole', 400, 'Throttling'],
      ]);
      expect(error.code).toBe('upstream_throttled');
      expect(httpStatusFor(error.code)).toBe(503);
      // The longest backoff of this backend, 1.5 s, in whole seconds: what the broker sends as Retry-After.
      expect(error.retryAfterSeconds).toBe(2);
      expect(error.message).toBe(
        "The STS backend local is throttling fedgate's requests (Throttling after 3 attempts); try again in 2 s",
      );
      // The operator keeps AWS's request id (of the last attempt) and message; the client message has neither.
      expect(error.detail).toMatchObject({
        attempts: 3,
        awsError: 'Throttling',
        awsMessage: 'Rate exceeded',
        awsRequestId: seen[2]!.requestId,
        roleArn: roleArn('Basic'),
      });
      expect(error.message).not.toContain(seen[2]!.requestId!);
    } finally {
      clients.close();
    }
  });

  it('makes exactly one attempt when maxAttempts is 1', async () => {
    const clients = new StsClients([backendAt(sts.url, { maxAttempts: 1 })]);
    try {
      const before = stsRequests(sts).length;
      const error = await failure(new AssumeRoleIssuer(clients).issue(rolePlan('Basic')));
      expect(error.code).toBe('upstream_throttled');
      expect(error.detail.attempts).toBe(1);
      expect(stsRequests(sts).length - before).toBe(1);
    } finally {
      clients.close();
    }
  });
});

describe('STS throttling that a later attempt gets through', () => {
  let sts: TestStsLocal;

  beforeAll(async () => {
    // One request, then one more every half second.
    const yaml = `throttling: { requestsPerSecond: 2, burst: 1 }\n${TEST_CONFIG_YAML}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(yaml, TEST_ENV));
  });

  afterAll(async () => {
    await sts.stop();
  });

  it('succeeds after the backoff outlasts the throttling', async () => {
    // Waits of up to 250 ms, 500 ms, 1 s, 2 s, …: well past the half second a token takes.
    const clients = new StsClients([
      backendAt(sts.url, { maxAttempts: 8, retryBaseDelayMs: 250, retryMaxDelayMs: 2000 }),
    ]);
    const issuer = new AssumeRoleIssuer(clients);
    try {
      await issuer.issue(rolePlan('Basic'));
      const before = stsRequests(sts).length;

      const issued = await issuer.issue(rolePlan('Basic'));

      expect(issued.assumedRoleArn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Basic/alice.0123abcd`);
      const seen = stsRequests(sts).slice(before);
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen.slice(0, -1).every((line) => line.code === 'Throttling')).toBe(true);
      expect(seen.at(-1)).toMatchObject({ action: 'AssumeRole', status: 200 });
    } finally {
      clients.close();
    }
  });
});

describe('an STS backend that answers 500', () => {
  let server: HttpServer;
  let url: string;
  let requests = 0;

  beforeAll(async () => {
    server = createHttpServer((request, response) => {
      requests += 1;
      request.resume();
      request.on('end', () => {
        const body =
          '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Receiver</Type>' +
          '<Code>InternalFailure</Code><Message>We encountered an internal error.</Message></Error>' +
          `<RequestId>req-${requests}</RequestId></ErrorResponse>`;
        response.writeHead(500, { 'content-type': 'text/xml', 'x-amzn-requestid': `req-${requests}` });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('is retried maxAttempts times, then mapped to upstream_unavailable (502) keeping the request id', async () => {
    const clients = new StsClients([backendAt(url, { maxAttempts: 3 })]);
    try {
      const error = await failure(new AssumeRoleIssuer(clients).issue(rolePlan('Basic')));
      expect(requests).toBe(3);
      expect(error.code).toBe('upstream_unavailable');
      expect(httpStatusFor(error.code)).toBe(502);
      expect(error.message).toBe('The STS backend local failed (InternalFailure)');
      expect(error.detail).toMatchObject({ attempts: 3, httpStatus: 500, awsRequestId: 'req-3' });
    } finally {
      clients.close();
    }
  });
});

describe('an STS backend that accepts connections and never answers', () => {
  let server: TcpServer;
  let url: string;
  const sockets = new Set<Socket>();
  let connections = 0;

  beforeAll(async () => {
    server = createTcpServer((socket) => {
      connections += 1;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) {
      socket.destroy();
    }
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails each attempt at the timeout: bounded by timeout × maxAttempts, as upstream_unavailable (502)', async () => {
    const backend = backendAt(url, { timeout: 1, maxAttempts: 3, retryBaseDelayMs: 10, retryMaxDelayMs: 50 });
    const clients = new StsClients([backend]);
    try {
      const started = Date.now();
      const error = await failure(new AssumeRoleIssuer(clients).issue(rolePlan('Basic')));
      const elapsed = Date.now() - started;

      expect(error.code).toBe('upstream_unavailable');
      expect(httpStatusFor(error.code)).toBe(502);
      expect(error.message).toBe('The STS backend local did not answer');
      expect(error.detail).toMatchObject({ attempts: 3, networkError: 'ETIMEDOUT' });
      expect(connections).toBe(3);
      // Bounded, not a benchmark: well under three times the budget (3 attempts of 1 s, plus backoff).
      const budgetMs =
        backend.maxAttempts * backend.timeout * 1000 + backend.maxAttempts * backend.retryMaxDelayMs;
      expect(elapsed).toBeLessThan(3 * budgetMs);
    } finally {
      clients.close();
    }
  });
});

describe('STS refusals are not retried, and are explained (sts-local)', () => {
  let sts: TestStsLocal;
  let clients: StsClients;

  beforeAll(async () => {
    sts = await startTestStsLocal(stsLocalConfigFrom(TEST_CONFIG_YAML, TEST_ENV));
    clients = new StsClients([backendAt(sts.url, { maxAttempts: 3 })]);
  });

  afterAll(async () => {
    clients.close();
    await sts.stop();
  });

  it('AccessDenied for session tags the trust policy does not allow: one attempt, 403 naming sts:TagSession', async () => {
    const before = stsRequests(sts).length;
    const error = await failure(
      new AssumeRoleIssuer(clients).issue(
        rolePlan('NoTagSession', { sessionTags: [{ key: 'team', value: 'platform' }] }),
      ),
    );
    expect(
      stsRequests(sts)
        .slice(before)
        .map((line) => line.code),
    ).toEqual(['AccessDenied']);
    expect(error.code).toBe('sts_denied');
    expect(httpStatusFor(error.code)).toBe(403);
    expect(error.message).toContain(roleArn('NoTagSession'));
    expect(error.message).toContain('sts:TagSession (session tags are sent)');
    // AWS's text names the broker's own principal: detail only.
    expect(error.message).not.toContain('user/broker');
    expect(error.detail.awsMessage).toEqual(expect.stringContaining('user/broker'));
    expect(error.detail.awsRequestId).toBe(stsRequests(sts).at(-1)!.requestId);
  });

  it("sends the account's ExternalId, and explains a missing one", async () => {
    // The role's trust policy requires sts:ExternalId ext-123 and does not allow SetSourceIdentity:
    // fedgate always sends a SourceIdentity, so the message names both.
    const error = await failure(new AssumeRoleIssuer(clients).issue(rolePlan('ExternalId')));
    expect(error.code).toBe('sts_denied');
    expect(error.message).toContain('sts:SetSourceIdentity');
    expect(error.message).toContain('it requires an sts:ExternalId, which this account does not configure');
    const wrong = await failure(
      new AssumeRoleIssuer(clients).issue(rolePlan('ExternalId', { externalId: 'ext-999' })),
    );
    expect(wrong.message).toContain("its sts:ExternalId condition does not match the account's externalId");
  });

  it('PackedPolicyTooLarge: 400 naming the packed budget, one attempt', async () => {
    const random = (length: number) =>
      Array.from(
        { length },
        () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)],
      ).join('');
    const sessionTags = Array.from({ length: 50 }, (_, index) => ({
      key: `k${index}-${random(60)}`,
      value: random(200),
    }));
    const before = stsRequests(sts).length;
    const error = await failure(new AssumeRoleIssuer(clients).issue(rolePlan('Basic', { sessionTags })));
    expect(
      stsRequests(sts)
        .slice(before)
        .map((line) => line.code),
    ).toEqual(['PackedPolicyTooLarge']);
    expect(error.code).toBe('sts_rejected');
    expect(httpStatusFor(error.code)).toBe(400);
    expect(error.message).toMatch(/over STS's packed size budget \(STS reports \d+ % of it\)/);
    expect(error.message).toContain('2048 characters');
  });

  it('MalformedPolicyDocument and InvalidParameterValue: 400 naming what to fix', async () => {
    const malformed = await failure(
      new AssumeRoleIssuer(clients).issue(rolePlan('Basic', { policy: '{"Statement": 42}' })),
    );
    expect(malformed.code).toBe('sts_rejected');
    expect(malformed.message).toContain('the session policy is not a valid IAM policy document');
    const duplicate = await failure(
      new AssumeRoleIssuer(clients).issue(
        rolePlan('Basic', {
          sessionTags: [
            { key: 'Team', value: 'a' },
            { key: 'team', value: 'b' },
          ],
        }),
      ),
    );
    expect(duplicate.code).toBe('sts_rejected');
    expect(duplicate.message).toContain('session tag keys that differ only in case');
  });

  it("ValidationError: 400 naming the role's MaxSessionDuration", async () => {
    // Basic allows 2 h.
    const error = await failure(
      new AssumeRoleIssuer(clients).issue(rolePlan('Basic', { duration: lasting(10_800) })),
    );
    expect(error.code).toBe('sts_rejected');
    expect(error.message).toBe(
      `STS rejected the request for ${roleArn('Basic')}: the session is longer than the role's ` +
        "MaxSessionDuration: lower the permission set's sessionDuration (or state the role's maximum as " +
        "maxSessionDuration) or raise the role's maximum in IAM",
    );
  });

  it("GetFederationToken with the IAM user's long-term keys: a federated user with the policies and tags", async () => {
    const plan = federationPlan({
      duration: lasting(7200),
      sessionTags: [{ key: 'team', value: 'platform' }],
      policy:
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
    });
    const issued = await new FederationTokenIssuer(clients).issue(plan);
    expect(issued).toMatchObject({
      kind: 'federated-user',
      accountId: ACCOUNT,
      assumedRoleArn: `arn:aws:sts::${ACCOUNT}:federated-user/alice.0123abcd`,
    });
    expect(Math.abs(issued.expiration.getTime() - Date.now() - 7200 * 1000)).toBeLessThan(60 * 1000);
    const session = new STSClient({
      region: 'us-east-1',
      endpoint: sts.url,
      credentials: {
        accessKeyId: issued.accessKeyId,
        secretAccessKey: issued.secretAccessKey,
        sessionToken: issued.sessionToken,
      },
    });
    try {
      await expect(session.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
        Arn: `arn:aws:sts::${ACCOUNT}:federated-user/alice.0123abcd`,
      });
    } finally {
      session.destroy();
    }
  });

  it('GetFederationToken with session credentials: 403 naming the kind of credentials it needs', async () => {
    const role = await new AssumeRoleIssuer(clients).issue(rolePlan('Basic'));
    const sessionClients = new StsClients([
      backendAt(sts.url, {
        credentials: {
          accessKeyId: role.accessKeyId,
          secretAccessKey: role.secretAccessKey,
          sessionToken: role.sessionToken,
        },
      }),
    ]);
    try {
      const error = await failure(new FederationTokenIssuer(sessionClients).issue(federationPlan()));
      expect(error.code).toBe('sts_denied');
      expect(error.message).toContain("IAM user's long-term access keys");
      // Nothing secret in what the client or the operator sees.
      const seen = JSON.stringify({ message: error.message, detail: error.detail });
      expect(seen).not.toContain(role.secretAccessKey);
      expect(seen).not.toContain(role.sessionToken);
    } finally {
      sessionClients.close();
    }
  });
});
