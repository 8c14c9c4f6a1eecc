/**
 * Failing closed and recovering by itself, through a running broker: the Redis store killed
 * mid-run (nothing issued, 503, and service back once Redis is, without a broker restart); the
 * STS endpoint refusing connections, then back (nothing cached from the failure); STS throttling,
 * then not. Calls are counted where they arrive, at sts-local.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { brokerYaml, env, stsCalls, stsLocalYaml } from '../broker/issuance-fixture';
import { ALICE_PASSWORD } from '../broker/slice-config';
import { freePort, sleep } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

const DEVELOPER = { accountId: 'sandbox', permissionSet: 'Developer' };

async function signedIn(broker: RunningBroker): Promise<HttpClient> {
  const client = new HttpClient(broker.url);
  expect((await client.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
  return client;
}

/** Asks until `done` holds for the answer (at most ~10 s), and returns that answer. */
async function until<T>(ask: () => Promise<T>, done: (answer: T) => boolean): Promise<T> {
  let answer = await ask();
  for (let attempt = 0; attempt < 100 && !done(answer); attempt += 1) {
    await sleep(100);
    answer = await ask();
  }
  return answer;
}

/**
 * A loopback port in front of sts-local that can be closed (connections refused, as when STS
 * is down) and opened again on the same port.
 */
class StsGate {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: URL,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: this.target.hostname, port: Number(this.target.port) });
      this.sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) {
      await new Promise((resolve) => server.close(resolve));
    }
  }
}

describe('the Redis store killed mid-run', () => {
  let redis: RedisServer;
  let sts: TestStsLocal;
  let broker: RunningBroker;

  beforeAll(async () => {
    const port = await freePort();
    const brokerUrl = `http://127.0.0.1:${port}`;
    redis = await startRedis();
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(brokerUrl), env));
    const yaml = await brokerYaml(
      brokerUrl,
      sts.url,
      `store: { type: redis, url: "${redis.url}", keyPrefix: "fail-closed:", connectTimeout: 2s }\n`,
    );
    broker = await startBroker(configFrom(yaml, env), { port });
  });

  afterAll(async () => {
    await broker.stop();
    await sts.stop();
    await redis.stop();
  });

  it('issues nothing and answers 503 while Redis is down, and serves again once it is back on its port', async () => {
    const alice = await signedIn(broker);
    expect((await alice.request('POST', '/api/v1/credentials', { json: DEVELOPER })).status).toBe(200);

    const port = redis.port;
    await redis.kill();
    const before = stsCalls(sts, 'AssumeRole');
    const refused = await alice.request('POST', '/api/v1/credentials', { json: DEVELOPER });
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: 'store_unavailable', message: expect.any(String) as unknown });
    const login = await new HttpClient(broker.url).login('demo', 'alice', ALICE_PASSWORD);
    expect(login.status).toBe(503);
    expect(login.headers.getSetCookie()).toEqual([]);
    expect((await alice.request('GET', '/readyz')).status).toBe(503);
    expect(stsCalls(sts, 'AssumeRole')).toBe(before);

    // Back on the same port (empty: the test server keeps no data), with the same broker process.
    redis = await startRedis({ port });
    const ready = await until(
      () => alice.request('GET', '/readyz'),
      (answer) => answer.status === 200,
    );
    expect(ready.status).toBe(200);
    // The session went with Redis's data: alice signs in again and is served.
    const again = await signedIn(broker);
    const issued = await again.request('POST', '/api/v1/credentials', { json: DEVELOPER });
    expect(issued.status).toBe(200);
    expect(issued.body.AccessKeyId).toMatch(/^ASIA/);
  });
});

describe('the STS endpoint refusing connections, then back', () => {
  let sts: TestStsLocal;
  let gate: StsGate;
  let broker: RunningBroker;

  beforeAll(async () => {
    const port = await freePort();
    const brokerUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(brokerUrl), env));
    gate = new StsGate(await freePort(), new URL(sts.url));
    broker = await startBroker(configFrom(await brokerYaml(brokerUrl, gate.url), env), { port });
  });

  afterAll(async () => {
    await broker.stop();
    await gate.close();
    await sts.stop();
  });

  it('answers 502 upstream_unavailable while it is down, caches nothing from it, and issues once it is back', async () => {
    const alice = await signedIn(broker);
    const refused = await alice.request('POST', '/api/v1/credentials', { json: DEVELOPER });
    expect(refused.status).toBe(502);
    expect(refused.body.error).toBe('upstream_unavailable');
    expect(refused.text).not.toMatch(/AccessKeyId|ASIA/);
    expect((await alice.request('GET', '/readyz')).status).toBe(503);

    await gate.open();
    const before = stsCalls(sts, 'AssumeRole');
    const issued = await alice.request('POST', '/api/v1/credentials', { json: DEVELOPER });
    expect(issued.status).toBe(200);
    // Issued by STS now, not a failure or anything else served from the cache.
    expect(stsCalls(sts, 'AssumeRole')).toBe(before + 1);
    expect(
      broker.logs
        .lines()
        .filter((line) => line.msg === 'audit' && line.event === 'issue_credentials')
        .map((line) => [line.outcome, line.source ?? line.error]),
    ).toEqual([
      ['failure', 'upstream_unavailable'],
      ['success', 'issued'],
    ]);
    expect((await alice.request('GET', '/readyz')).status).toBe(200);
  });
});

describe('STS throttling, then not', () => {
  let sts: TestStsLocal;
  let broker: RunningBroker;

  beforeAll(async () => {
    const port = await freePort();
    const brokerUrl = `http://127.0.0.1:${port}`;
    // One call, then one more every half second.
    const throttled = `throttling: { requestsPerSecond: 2, burst: 1 }\n${stsLocalYaml(brokerUrl)}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(throttled, env));
    const yaml = await brokerYaml(
      brokerUrl,
      sts.url,
      'issuance: { cache: { enabled: false } }\nissuanceRateLimit: { perUser: 1000, perClient: 1000 }\n',
    );
    broker = await startBroker(configFrom(yaml, env), { port });
  });

  afterAll(async () => {
    await broker.stop();
    await sts.stop();
  });

  it('answers 503 upstream_throttled with Retry-After and no credentials, then issues again by itself', async () => {
    const alice = await signedIn(broker);
    const answers = await Promise.all(
      [1, 2, 3].map(() => alice.request('POST', '/api/v1/credentials', { json: DEVELOPER })),
    );
    const throttled = answers.filter((answer) => answer.status !== 200);
    expect(throttled.length).toBeGreaterThan(0);
    for (const answer of throttled) {
      expect(answer.status).toBe(503);
      expect(answer.body.error).toBe('upstream_throttled');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(answer.text).not.toMatch(/AccessKeyId|ASIA/);
    }
    const recovered = await until(
      () => alice.request('POST', '/api/v1/credentials', { json: DEVELOPER }),
      (answer) => answer.status === 200,
    );
    expect(recovered.status).toBe(200);
    expect(recovered.body.AccessKeyId).toMatch(/^ASIA/);
  });
});
