/**
 * Failed-login throttling through the broker, with the counters in a real
 * Redis shared by two broker replicas behind a trusted proxy
 * (`server.trustProxy: [127.0.0.1]`, clients told apart by X-Forwarded-For):
 * every spelling of an account is one count, concurrent attempts never pass
 * a limit, 429 with Retry-After, control characters answer 400 before
 * anything counts, and the owner's device cookie keeps its allowance while
 * an attacker is throttled. A broker without trustProxy warns when it sees
 * a proxy it does not trust.
 */
import { hashPassword } from '@fedgate/connectors';
import { startRedis, type RedisServer } from '../harness/redis';
import { configFrom, HttpClient, startBroker, type RunningBroker } from './broker-harness';
import { ALICE_PASSWORD, BOB_PASSWORD, BROKER_SECRET_KEY, sliceConfig } from './slice-config';

const CAROL_PASSWORD = 'carol-secret-Pa55';
const DAVE_PASSWORD = 'dave-secret-Pa55';
const LIMITS = { perUserAndClient: 2, perUser: 3, perDevice: 2 };

/** The slice's config with two more users, the throttle's limits and the given trustProxy. */
async function throttleConfig(extra: { store: string; trustProxy: string }): Promise<string> {
  const users = `      - username: carol
        passwordHash: "${await hashPassword(CAROL_PASSWORD, 10)}"
        groups: [developers]
      - username: dave
        passwordHash: "${await hashPassword(DAVE_PASSWORD, 10)}"
        groups: [developers]
      - username: bob
`;
  return (await sliceConfig('http://127.0.0.1:1'))
    .replace('      - username: bob\n', () => users)
    .replace(
      'server: { publicUrl: http://127.0.0.1:8080 }',
      () =>
        `server: { publicUrl: http://127.0.0.1:8080, trustProxy: ${extra.trustProxy} }\n` +
        `store: ${extra.store}\n` +
        `loginThrottle: { maxFailuresPerUserAndClient: ${LIMITS.perUserAndClient}, maxFailuresPerUser: ${LIMITS.perUser}, ` +
        `maxFailuresPerClient: 12, maxFailuresPerDevice: ${LIMITS.perDevice}, window: 10m, deviceLifetime: 7d }`,
    );
}

/** A browser at `address` behind the proxy, on one replica. */
class Client extends HttpClient {
  constructor(
    baseUrl: string,
    private readonly address: string,
  ) {
    super(baseUrl);
  }

  override request(
    method: string,
    path: string,
    options: { json?: unknown; body?: string; headers?: Record<string, string>; csrf?: boolean } = {},
  ) {
    return super.request(method, path, {
      ...options,
      headers: { 'x-forwarded-for': this.address, ...options.headers },
    });
  }
}

describe('login throttling across replicas behind a trusted proxy', () => {
  let redis: RedisServer;
  let replicas: [RunningBroker, RunningBroker];
  const client = (replica: 0 | 1, address: string) => new Client(replicas[replica].url, address);
  const failures = (username: string) =>
    replicas
      .flatMap((replica) => replica.logs.lines())
      .filter((line) => line.msg === 'audit' && line.outcome === 'failure' && line.username === username);

  beforeAll(async () => {
    redis = await startRedis();
    const yaml = await throttleConfig({
      store: `{ type: redis, url: "${redis.url}", keyPrefix: "throttle-test:" }`,
      trustProxy: '[127.0.0.1]',
    });
    const config = configFrom(yaml, { BROKER_SECRET: BROKER_SECRET_KEY });
    replicas = [await startBroker(config), await startBroker(config)];
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await redis.stop();
  });

  it('counts every spelling of an account once, on any replica, and answers 429 with Retry-After', async () => {
    expect((await client(0, '198.51.100.1').login('demo', 'alice', 'wrong-1')).status).toBe(401);
    expect((await client(1, '198.51.100.1').login('demo', ' ALICE ', 'wrong-2')).status).toBe(401);
    const refused = await client(0, '198.51.100.1').login('demo', 'Ａｌｉｃｅ', ALICE_PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: 'rate_limited',
      message: 'Too many failed sign-ins; try again later',
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(refused.headers.getSetCookie()).toEqual([]);
    // Another client still has its own allowance for alice.
    expect((await client(1, '198.51.100.2').login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
    const throttled = replicas
      .flatMap((replica) => replica.logs.lines())
      .filter((line) => line.outcome === 'throttled');
    expect(throttled.map((line) => line.username)).toEqual(['alice']);
  });

  it('lets concurrent wrong passwords in mixed spellings, on both replicas, past the limit never', async () => {
    const spellings = ['bob', 'BOB', ' Bob', 'ｂｏｂ', 'bOb '];
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        client((index % 2) as 0 | 1, `203.0.113.${index % 10}`).login(
          'demo',
          spellings[index % spellings.length] ?? '',
          `guess-${index}`,
        ),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(LIMITS.perUser);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30 - LIMITS.perUser);
    // The audit, keyed on the canonical account, saw exactly those reach the connector.
    expect(failures('bob')).toHaveLength(LIMITS.perUser);
    // Spent for every client now, even the right password.
    expect((await client(0, '192.0.2.99').login('demo', 'bob', BOB_PASSWORD)).status).toBe(429);
  });

  it("keeps the owner's device allowance while an attacker behind the same address is throttled", async () => {
    const owner = client(0, '192.0.2.10');
    const signedIn = await owner.login('demo', 'carol', CAROL_PASSWORD);
    expect(signedIn.status).toBe(200);
    const deviceCookie = signedIn.headers.getSetCookie().find((line) => line.startsWith('fedgate_device='));
    expect(deviceCookie).toMatch(/^fedgate_device=[A-Za-z0-9_-]{43};/);
    for (const attribute of ['Max-Age=604800', 'Path=/', 'HttpOnly', 'SameSite=Lax']) {
      expect(deviceCookie?.split('; ')).toContain(attribute);
    }

    for (const address of ['192.0.2.10', '192.0.2.11']) {
      for (let attempt = 0; attempt < LIMITS.perUserAndClient; attempt++) {
        await client(1, address).login('demo', 'carol', `attacker-${attempt}`);
      }
    }
    // The attacker shares the owner's address: without the cookie, the owner is throttled too.
    expect((await client(1, '192.0.2.10').login('demo', 'carol', CAROL_PASSWORD)).status).toBe(429);
    // With it, the owner signs in, and gets a new device cookie.
    const again = await owner.login('demo', 'Carol', CAROL_PASSWORD);
    expect(again.status).toBe(200);
    expect(owner.cookie('fedgate_device')).not.toBe(deviceCookie?.split(';')[0]?.split('=')[1]);
    expect(failures('carol')).toHaveLength(LIMITS.perUser);
  });

  it('refuses control characters with 400 before anything is counted', async () => {
    const attacker = client(0, '192.0.2.20');
    for (let attempt = 0; attempt < 20; attempt++) {
      const refused = await attacker.login('demo', `dave\u0000${attempt}`, 'guess');
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_request');
    }
    expect((await attacker.login('demo', 'dave', DAVE_PASSWORD)).status).toBe(200);
    expect(failures('dave')).toHaveLength(0);
  });
});

describe('a broker behind a proxy it does not trust', () => {
  let broker: RunningBroker;

  beforeAll(async () => {
    const yaml = await throttleConfig({ store: '{ type: memory }', trustProxy: 'false' });
    broker = await startBroker(configFrom(yaml, { BROKER_SECRET: BROKER_SECRET_KEY }));
  });

  afterAll(async () => {
    await broker.stop();
  });

  it('warns once, and counts every client behind it as the proxy', async () => {
    for (const address of ['198.51.100.7', '198.51.100.8']) {
      for (let attempt = 0; attempt < LIMITS.perUserAndClient; attempt++) {
        expect(
          (await new Client(broker.url, address).login('demo', `user-${address}-${attempt}`, 'x')).status,
        ).toBe(401);
      }
    }
    const warnings = broker.logs
      .lines()
      .filter((line) => String(line.msg).includes('server.trustProxy does not trust'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.proxyAddress).toBe('127.0.0.1');
    const audit = broker.logs.lines().filter((line) => line.msg === 'audit' && line.outcome === 'failure');
    expect(new Set(audit.map((line) => line.clientAddress))).toEqual(new Set(['127.0.0.1']));
  });
});
