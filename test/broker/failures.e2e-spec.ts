/**
 * The slice fails closed: no store or no STS means nothing is issued, with a
 * specific error; cookies and timeouts follow the configuration.
 */
import { freePort } from '../harness/processes';
import { startMoto, type MotoServer } from '../harness/moto';
import { startRedis, type RedisServer } from '../harness/redis';
import { configFrom, HttpClient, startBroker } from './broker-harness';
import { ALICE_PASSWORD, BROKER_SECRET_KEY, sliceConfig } from './slice-config';

const env = { BROKER_SECRET: BROKER_SECRET_KEY };

describe('when the Redis store goes away', () => {
  let moto: MotoServer;
  let redis: RedisServer;

  beforeAll(async () => {
    [moto, redis] = await Promise.all([startMoto(), startRedis()]);
  });

  afterAll(async () => {
    await Promise.all([moto.stop(), redis.stop()]);
  });

  it('keeps sessions in Redis, then issues nothing once Redis is down', async () => {
    const config = configFrom(
      (await sliceConfig(moto.url)).replace(
        'server:',
        `store: { type: redis, url: "${redis.url}", keyPrefix: "slice:", connectTimeout: 2s }\nserver:`,
      ),
      env,
    );
    const broker = await startBroker(config);
    try {
      const alice = new HttpClient(broker.url);
      expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
      const issued = await alice.request('POST', '/api/v1/credentials', {
        json: { accountId: 'sandbox', permissionSet: 'Developer' },
      });
      expect(issued.status).toBe(200);

      await redis.kill();
      const callsBefore = broker.stsCalls();
      const refused = await alice.request('POST', '/api/v1/credentials', {
        json: { accountId: 'sandbox', permissionSet: 'Developer' },
      });
      expect(refused.status).toBe(503);
      expect(refused.body.error).toBe('store_unavailable');
      expect(broker.stsCalls()).toBe(callsBefore);

      const login = await new HttpClient(broker.url).login('demo', 'alice', ALICE_PASSWORD);
      expect(login.status).toBe(503);
      expect(login.headers.getSetCookie()).toEqual([]);

      const ready = await alice.request('GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toEqual({ store: 'unreachable', 'backend:moto': 'ok' });
    } finally {
      await broker.stop();
    }
  });
});

describe('when the STS endpoint is unreachable', () => {
  it('answers 502 upstream_unavailable and reports not ready', async () => {
    const closedPort = await freePort();
    const broker = await startBroker(configFrom(await sliceConfig(`http://127.0.0.1:${closedPort}`), env));
    try {
      const alice = new HttpClient(broker.url);
      await alice.login('demo', 'alice', ALICE_PASSWORD);
      const response = await alice.request('POST', '/api/v1/credentials', {
        json: { accountId: 'sandbox', permissionSet: 'Developer' },
      });
      expect(response.status).toBe(502);
      expect(response.body.error).toBe('upstream_unavailable');
      expect(response.body.message).toBe('The STS backend moto did not answer');
      const ready = await alice.request('GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toEqual({ store: 'ok', 'backend:moto': 'unreachable' });
    } finally {
      await broker.stop();
    }
  });
});

describe('session cookies and timeouts', () => {
  it('uses a __Host- Secure cookie when the public URL is https', async () => {
    const yaml = (await sliceConfig('http://127.0.0.1:1')).replace(
      'server: { publicUrl: http://127.0.0.1:8080 }',
      'server: { publicUrl: "https://fedgate.example.com" }',
    );
    const broker = await startBroker(configFrom(yaml, env));
    try {
      const login = await new HttpClient(broker.url).login('demo', 'alice', ALICE_PASSWORD);
      expect(login.headers.getSetCookie()).toEqual([
        expect.stringMatching(
          /^__Host-fedgate_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
        ),
        expect.stringMatching(
          /^__Host-fedgate_device=[A-Za-z0-9_-]{43}; Max-Age=2592000; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax$/,
        ),
      ]);
    } finally {
      await broker.stop();
    }
  });

  it('ends a session at its absolute timeout, however active', async () => {
    let now = Date.now();
    const yaml = (await sliceConfig('http://127.0.0.1:1')).replace(
      'server:',
      'session: { idleTimeout: 1h, absoluteTimeout: 2h }\nserver:',
    );
    const broker = await startBroker(configFrom(yaml, env), { now: () => now });
    try {
      const alice = new HttpClient(broker.url);
      await alice.login('demo', 'alice', ALICE_PASSWORD);
      now += 50 * 60 * 1000;
      expect((await alice.request('GET', '/api/v1/me')).status).toBe(200);
      now += 50 * 60 * 1000;
      expect((await alice.request('GET', '/api/v1/me')).status).toBe(200);
      now += 21 * 60 * 1000;
      const expired = await alice.request('GET', '/api/v1/me');
      expect(expired.status).toBe(401);
      expect(expired.body.error).toBe('unauthenticated');
    } finally {
      await broker.stop();
    }
  });
});
