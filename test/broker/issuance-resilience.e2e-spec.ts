/**
 * Issuance under load and failure, through the broker: replicas sharing a
 * Redis store make one STS call between them and refresh an expiring entry;
 * a throttling backend ends in 503 with Retry-After after the configured
 * attempts; a backend that never answers ends in 502 in bounded time.
 * Calls are counted where they arrive, at sts-local.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { configFrom, HttpClient, startBroker, type RunningBroker } from './broker-harness';
import { brokerYaml, env, stsCalls, stsLocalYaml } from './issuance-fixture';
import { ALICE_PASSWORD } from './slice-config';
import { freePort } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

const HOUR_MS = 3_600_000;

async function signedIn(broker: RunningBroker): Promise<HttpClient> {
  const client = new HttpClient(broker.url);
  expect((await client.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
  return client;
}

function developerCredentials(client: HttpClient) {
  return client.request('POST', '/api/v1/credentials', {
    json: { accountId: 'sandbox', permissionSet: 'Developer' },
  });
}

describe('two replicas sharing a Redis store', () => {
  let redis: RedisServer;
  let sts: TestStsLocal;
  const replicas: RunningBroker[] = [];
  // Both replicas read this clock; moving it forward ages the cached credentials.
  let offsetMs = 0;
  const now = (): number => Date.now() + offsetMs;

  beforeAll(async () => {
    redis = await startRedis();
    const port = await freePort();
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(`http://127.0.0.1:${port}`), env));
    const shared = `
store: { type: redis, url: "${redis.url}", keyPrefix: "replicas:" }
session: { idleTimeout: 4h }
issuance: { cache: { keys: [{ id: k1, key: "${randomBytes(32).toString('base64')}" }] } }`;
    for (let index = 0; index < 2; index++) {
      const yaml = await brokerYaml(`http://127.0.0.1:${port}`, sts.url, shared);
      replicas.push(await startBroker(configFrom(yaml, env), { now }));
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await sts.stop();
    await redis.stop();
  });

  it('makes one AssumeRole for 100 concurrent requests split across them, and refreshes near expiry', async () => {
    const [first, second] = await Promise.all(replicas.map(signedIn));
    const before = stsCalls(sts, 'AssumeRole');
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, index) => developerCredentials(index % 2 === 0 ? first! : second!)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 100 }, () => 200));
    const keyIds = new Set(answers.map((answer) => answer.body.AccessKeyId));
    expect(keyIds.size).toBe(1);
    expect(stsCalls(sts, 'AssumeRole') - before).toBe(1);

    // The Developer session lasts 2h: 10 minutes before its end it is no longer served. (sts-local keeps
    // the real time, so to these replicas the new credentials look short-lived too and are not stored.)
    offsetMs = 2 * HOUR_MS - 10 * 60_000;
    const refreshed = await developerCredentials(second!);
    expect(refreshed.status).toBe(200);
    expect(keyIds.has(refreshed.body.AccessKeyId)).toBe(false);
    expect(stsCalls(sts, 'AssumeRole') - before).toBe(2);
  });
});

describe('replicas sharing a Redis store without cache keys', () => {
  let redis: RedisServer;
  let sts: TestStsLocal;
  const replicas: RunningBroker[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const url = 'http://127.0.0.1:8080';
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(url), env));
    const shared = `store: { type: redis, url: "${redis.url}", keyPrefix: "unkeyed:" }`;
    for (let index = 0; index < 2; index++) {
      replicas.push(await startBroker(configFrom(await brokerYaml(url, sts.url, shared), env)));
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await sts.stop();
    await redis.stop();
  });

  it('keeps each replica to its own entries, so neither overwrites the other', async () => {
    const [first, second] = await Promise.all(replicas.map(signedIn));
    const before = stsCalls(sts, 'AssumeRole');
    const one = await developerCredentials(first!);
    const two = await developerCredentials(second!);
    expect(one.body.AccessKeyId).not.toBe(two.body.AccessKeyId);
    expect(stsCalls(sts, 'AssumeRole') - before).toBe(2);
    expect((await developerCredentials(first!)).body.AccessKeyId).toBe(one.body.AccessKeyId);
    expect((await developerCredentials(second!)).body.AccessKeyId).toBe(two.body.AccessKeyId);
    expect(stsCalls(sts, 'AssumeRole') - before).toBe(2);
    const warned = replicas[0]!.logs
      .lines()
      .some((line) => String(line.msg).includes('issuance.cache.keys is empty'));
    expect(warned).toBe(true);
  });
});

describe('a backend that keeps throttling', () => {
  let sts: TestStsLocal;
  let broker: RunningBroker;

  beforeAll(async () => {
    const port = await freePort();
    // One request per access key, then nothing refills during the test.
    const throttled = `throttling: { requestsPerSecond: 0.0017, burst: 1 }\n${stsLocalYaml(`http://127.0.0.1:${port}`)}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(throttled, env));
    const yaml = (
      await brokerYaml(`http://127.0.0.1:${port}`, sts.url, 'issuance: { cache: { enabled: false } }')
    ).replace('maxAttempts: 1', 'maxAttempts: 3\n    retryBaseDelayMs: 10\n    retryMaxDelayMs: 2000');
    broker = await startBroker(configFrom(yaml, env), { port });
  });

  afterAll(async () => {
    await broker.stop();
    await sts.stop();
  });

  it('retries, then answers 503 upstream_throttled with Retry-After', async () => {
    const alice = await signedIn(broker);
    expect((await developerCredentials(alice)).status).toBe(200);
    const refused = await developerCredentials(alice);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe('upstream_throttled');
    expect(refused.headers.get('retry-after')).toBe('2');
    const throttledAtBackend = sts.logs
      .lines()
      .filter((line) => line.action === 'AssumeRole' && line.code === 'Throttling');
    expect(throttledAtBackend).toHaveLength(3);
  });
});

describe('a backend that never answers', () => {
  let hung: Server;
  const sockets: Socket[] = [];
  let broker: RunningBroker;

  beforeAll(async () => {
    hung = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    const yaml = (await brokerYaml('http://127.0.0.1:8080', url)).replaceAll(
      'maxAttempts: 1',
      'maxAttempts: 2\n    timeout: 1s\n    retryBaseDelayMs: 10\n    retryMaxDelayMs: 50',
    );
    broker = await startBroker(configFrom(yaml, env));
  });

  afterAll(async () => {
    await broker.stop();
    sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => hung.close(resolve));
  });

  it('gives up after timeout × attempts and answers 502 upstream_unavailable', async () => {
    const alice = await signedIn(broker);
    const started = Date.now();
    const answer = await developerCredentials(alice);
    const elapsedMs = Date.now() - started;
    expect(answer.status).toBe(502);
    expect(answer.body.error).toBe('upstream_unavailable');
    expect(sockets).toHaveLength(2);
    // Bounded, not a performance claim: two 1 s attempts must not become the SDK's 5-minute default.
    expect(elapsedMs).toBeLessThan(15_000);
  });
});
