/**
 * Credential and console requests are limited per user and per client address, across replicas
 * sharing a Redis store: past a limit the answer is 429 with Retry-After, audited, with no STS call;
 * other users keep their own allowance.
 */
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { brokerYaml, env, stsCalls, stsLocalYaml } from '../broker/issuance-fixture';
import { ALICE_PASSWORD } from '../broker/slice-config';
import { hashPassword } from '@fedgate/connectors';
import { freePort } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

const REQUEST = { json: { accountId: 'sandbox', permissionSet: 'Developer' } };

describe('the issuance rate limit across two replicas', () => {
  let redis: RedisServer;
  let sts: TestStsLocal;
  const replicas: RunningBroker[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const port = await freePort();
    const brokerUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(brokerUrl), env));
    // Bob shares alice's groups; the two replicas share the store and its counters.
    const yaml = (
      await brokerYaml(
        brokerUrl,
        sts.url,
        `
store: { type: redis, url: "${redis.url}", keyPrefix: "rate:" }
issuanceRateLimit: { perUser: 3, perClient: 5, window: 1m }
`,
      )
    ).replace(
      '        attributes: { department: Engineering }',
      `        attributes: { department: Engineering }\n      - { username: bob, passwordHash: "${await hashPassword(ALICE_PASSWORD, 10)}", groups: [developers] }`,
    );
    for (let index = 0; index < 2; index += 1) {
      replicas.push(await startBroker(configFrom(yaml, env)));
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await sts.stop();
    await redis.stop();
  });

  async function signIn(replica: RunningBroker, username: string): Promise<HttpClient> {
    const client = new HttpClient(replica.url);
    expect((await client.login('demo', username, ALICE_PASSWORD)).status).toBe(200);
    return client;
  }

  it('refuses a user past the limit on any replica, with Retry-After and no STS call, and leaves others their own', async () => {
    const [a, b] = replicas as [RunningBroker, RunningBroker];
    const aliceOnA = await signIn(a, 'alice');
    const aliceOnB = await signIn(b, 'alice');
    expect((await aliceOnA.request('POST', '/api/v1/credentials', REQUEST)).status).toBe(200);
    expect((await aliceOnB.request('POST', '/api/v1/credentials', REQUEST)).status).toBe(200);
    expect((await aliceOnA.request('POST', '/api/v1/console', REQUEST)).status).toBe(200);

    const before = stsCalls(sts, 'AssumeRole');
    const refused = await aliceOnB.request('POST', '/api/v1/credentials', REQUEST);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(stsCalls(sts, 'AssumeRole')).toBe(before);
    expect(b.logs.lines().filter((line) => line.msg === 'audit' && line.outcome === 'rate_limited')).toEqual([
      expect.objectContaining({ event: 'issue_credentials', phase: 'rate.issuance', check: 'per-user' }),
    ]);

    // Bob has his own allowance, but shares the client address's: 5 in all from 127.0.0.1.
    const bob = await signIn(a, 'bob');
    expect((await bob.request('POST', '/api/v1/credentials', REQUEST)).status).toBe(200);
    expect((await bob.request('POST', '/api/v1/credentials', REQUEST)).status).toBe(200);
    const clientRefused = await bob.request('POST', '/api/v1/credentials', REQUEST);
    expect(clientRefused.status).toBe(429);
    expect(a.logs.lines().filter((line) => line.msg === 'audit' && line.outcome === 'rate_limited')).toEqual([
      expect.objectContaining({ check: 'per-client' }),
    ]);
  });
});
