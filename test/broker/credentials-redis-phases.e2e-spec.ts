/**
 * What a credential request asks of a real redis-server, seen on the wire through a proxy that
 * records each write the broker makes (test/harness/redis-tap.ts): a cache hit reads the session,
 * then sends the rate-limit script and the cache read in one write, two round trips in all. The
 * read sent with a count that is refused serves nothing (429, audited as before), and Redis going
 * away with both on their way fails closed.
 */
import { Redis } from 'ioredis';
import { configFrom, HttpClient, startBroker, type RunningBroker } from './broker-harness';
import { brokerYaml, env, stsCalls, stsLocalYaml } from './issuance-fixture';
import { ALICE_PASSWORD } from './slice-config';
import { freePort, sleep } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import { RedisTap, type TappedCommand } from '../harness/redis-tap';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

const PREFIX = 'phases:';
const DEVELOPER = { json: { accountId: 'sandbox', permissionSet: 'Developer' } };
const PER_USER = 4;

/** What each command of a flight is to the request: the session, the rate limit, the credential cache. */
function described(flights: TappedCommand[][]): string[][] {
  return flights.map((flight) =>
    flight.map(({ name, args }) => {
      const [first = '', second = '', third = ''] = args;
      if (name === 'GET' && first.startsWith(`${PREFIX}session:`)) {
        return 'GET session';
      }
      if (name === 'GET' && first.startsWith(`${PREFIX}issuance:credentials:`)) {
        return 'GET cached credentials';
      }
      // EVALSHA <sha> <numkeys> <key>... (EVAL the first time on a connection, or after NOSCRIPT).
      if (
        (name === 'EVALSHA' || name === 'EVAL') &&
        second === '2' &&
        third.startsWith(`${PREFIX}rate:issue:`)
      ) {
        return 'rate-limit script';
      }
      return `${name} ${first}`;
    }),
  );
}

describe('a credential request on a Redis store, on the wire', () => {
  let redis: RedisServer;
  let tap: RedisTap;
  let raw: Redis;
  let sts: TestStsLocal;
  let broker: RunningBroker;

  beforeAll(async () => {
    redis = await startRedis();
    tap = await RedisTap.start(redis.host, redis.port);
    raw = new Redis(redis.url, { lazyConnect: true });
    await raw.connect();
    const port = await freePort();
    const brokerUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(brokerUrl), env));
    const yaml = await brokerYaml(
      brokerUrl,
      sts.url,
      `store: { type: redis, url: "${tap.url}", keyPrefix: "${PREFIX}" }
issuanceRateLimit: { perUser: ${PER_USER}, perClient: 1000, window: 1h }
`,
    );
    broker = await startBroker(configFrom(yaml, env), { port });
  });

  afterAll(async () => {
    await broker.stop();
    await sts.stop();
    await raw.quit();
    await tap.stop();
    await redis.stop();
  });

  beforeEach(async () => {
    // Every test starts with alice's full allowance.
    const counters = await raw.keys(`${PREFIX}rate:*`);
    if (counters.length > 0) {
      await raw.del(...counters);
    }
  });

  async function signedIn(): Promise<HttpClient> {
    const alice = new HttpClient(broker.url);
    expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
    return alice;
  }

  function credentialAudit(): [unknown, unknown][] {
    return broker.logs
      .lines()
      .filter((line) => line.msg === 'audit' && line.event === 'issue_credentials')
      .map((line) => [line.outcome, line.source ?? line.error]);
  }

  it('reads the session, then sends the rate-limit script and the cache read of a hit in one write', async () => {
    const alice = await signedIn();
    expect((await alice.request('POST', '/api/v1/credentials', DEVELOPER)).status).toBe(200);

    tap.reset();
    const hit = await alice.request('POST', '/api/v1/credentials', DEVELOPER);
    expect(hit.status).toBe(200);
    expect(described(tap.flights())).toEqual([
      ['GET session'],
      ['rate-limit script', 'GET cached credentials'],
    ]);
    expect(credentialAudit().at(-1)).toEqual(['success', 'cache']);

    // Redis agrees: the script ran once, the session and the cache were read once each.
    await raw.config('RESETSTAT');
    const again = await alice.request('POST', '/api/v1/credentials', DEVELOPER);
    expect(again.body.AccessKeyId).toBe(hit.body.AccessKeyId);
    const stats = await raw.info('commandstats');
    expect(stats).toMatch(/cmdstat_evalsha:calls=1,/);
    expect(stats).toMatch(/cmdstat_get:calls=4,/); // session, cache, and the script's two counters
  });

  it('answers 429 past the limit, audited as before, serving nothing from the read sent with the count', async () => {
    const alice = await signedIn();
    for (let request = 0; request < PER_USER; request += 1) {
      expect((await alice.request('POST', '/api/v1/credentials', DEVELOPER)).status).toBe(200);
    }
    const issued = stsCalls(sts, 'AssumeRole');
    const audited = credentialAudit().length;

    tap.reset();
    const refused = await alice.request('POST', '/api/v1/credentials', DEVELOPER);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.text).not.toMatch(/ASIA|SecretAccessKey/);
    // The cache read went with the count; nothing followed it (no issuing lock, no write).
    expect(described(tap.flights())).toEqual([
      ['GET session'],
      ['rate-limit script', 'GET cached credentials'],
    ]);
    expect(stsCalls(sts, 'AssumeRole')).toBe(issued);
    const lines = broker.logs
      .lines()
      .filter((line) => line.msg === 'audit' && line.event === 'issue_credentials');
    expect(lines.slice(audited)).toEqual([
      expect.objectContaining({
        outcome: 'rate_limited',
        error: 'rate_limited',
        phase: 'rate.issuance',
        check: 'per-user',
      }),
    ]);

    // Refused by the limit and not entitled either: the limit's refusal, as before, and no cache read.
    tap.reset();
    const both = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Admin' },
    });
    expect(both.status).toBe(429);
    expect(described(tap.flights())).toEqual([['GET session'], ['rate-limit script']]);
    expect(credentialAudit().slice(audited)).toEqual([
      ['rate_limited', 'rate_limited'],
      ['rate_limited', 'rate_limited'],
    ]);
  });

  it('fails closed when Redis goes away with the count and the cache read on their way, and serves once it is back', async () => {
    const alice = await signedIn();
    const first = await alice.request('POST', '/api/v1/credentials', DEVELOPER);
    expect(first.status).toBe(200);
    const issued = stsCalls(sts, 'AssumeRole');
    const audited = credentialAudit().length;

    tap.reset();
    tap.cutAt((flight) => flight.some((command) => command.name === 'EVALSHA' || command.name === 'EVAL'));
    const refused = await alice.request('POST', '/api/v1/credentials', DEVELOPER);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe('store_unavailable');
    expect(refused.text).not.toMatch(/ASIA|SecretAccessKey/);
    expect(described(tap.flights())).toEqual([
      ['GET session'],
      ['rate-limit script', 'GET cached credentials'],
    ]);
    expect(stsCalls(sts, 'AssumeRole')).toBe(issued);
    // Audited as the limit's failure, as when the script alone was on its way.
    expect(credentialAudit().slice(audited)).toEqual([['error', 'store_unavailable']]);
    // Jest fails the test on an unhandled rejection: the dropped read's would surface here.
    await sleep(50);

    // The client reconnects by itself; the same cached credentials are served again.
    let again = await alice.request('POST', '/api/v1/credentials', DEVELOPER);
    for (let attempt = 0; attempt < 50 && again.status !== 200; attempt += 1) {
      await sleep(100);
      again = await alice.request('POST', '/api/v1/credentials', DEVELOPER);
    }
    expect(again.status).toBe(200);
    expect(again.body.AccessKeyId).toBe(first.body.AccessKeyId);
    expect(stsCalls(sts, 'AssumeRole')).toBe(issued);
  });
});
