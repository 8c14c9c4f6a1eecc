/**
 * Failed-login throttling through the broker, with the counters in a real
 * Redis shared by two broker replicas: per username and per client address,
 * 429 with Retry-After, and the right password does not get through early.
 */
import { startRedis, type RedisServer } from '../harness/redis';
import { configFrom, HttpClient, startBroker, type RunningBroker } from './broker-harness';
import { ALICE_PASSWORD, BOB_PASSWORD, BROKER_SECRET_KEY, sliceConfig } from './slice-config';

describe('login throttling across replicas', () => {
  let redis: RedisServer;
  let replicas: RunningBroker[];

  beforeAll(async () => {
    redis = await startRedis();
    const yaml = (await sliceConfig('http://127.0.0.1:1')).replace(
      'server:',
      `store: { type: redis, url: "${redis.url}", keyPrefix: "throttle-test:" }\n` +
        'loginThrottle: { maxFailuresPerUser: 3, maxFailuresPerClient: 6, window: 10m }\nserver:',
    );
    const config = configFrom(yaml, { BROKER_SECRET: BROKER_SECRET_KEY });
    replicas = [await startBroker(config), await startBroker(config)];
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await redis.stop();
  });

  it('locks a username after its failures on any replica, even for the right password', async () => {
    const [first, second] = replicas.map((replica) => new HttpClient(replica.url)) as [
      HttpClient,
      HttpClient,
    ];
    expect((await first.login('demo', 'alice', 'wrong-1')).status).toBe(401);
    expect((await second.login('demo', 'alice', 'wrong-2')).status).toBe(401);
    expect((await first.login('demo', 'Alice', 'wrong-3')).status).toBe(401);

    for (const client of [first, second]) {
      const refused = await client.login('demo', 'alice', ALICE_PASSWORD);
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({
        error: 'rate_limited',
        message: 'Too many failed sign-ins; try again later',
      });
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(590);
      expect(retryAfter).toBeLessThanOrEqual(600);
      expect(refused.headers.getSetCookie()).toEqual([]);
    }
    const audit = replicas
      .flatMap((replica) => replica.logs.lines())
      .filter((line) => line.outcome === 'throttled');
    expect(audit.length).toBeGreaterThanOrEqual(2);
  });

  it('locks a client address after failures spread over usernames', async () => {
    const client = new HttpClient(replicas[0]!.url);
    // alice's three failures above already count for this client: three more spend its six.
    for (const username of ['carol', 'dave', 'erin']) {
      expect((await client.login('demo', username, 'guess')).status).toBe(401);
    }
    const refused = await client.login('demo', 'bob', BOB_PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
