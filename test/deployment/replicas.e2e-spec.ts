/**
 * Replicas that survive each other: three broker processes (the built fedgate-broker bin) share
 * one Redis watched by Sentinel. A user signs in on the first, is served by the second and gets
 * credentials from the third; identical concurrent requests across replicas make one STS call;
 * one replica killed under load fails only its own requests; a Sentinel failover of the Redis
 * primary fails requests closed (503) for its window, then service resumes with no restart and no
 * session lost.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerYaml, env, stsCalls, stsLocalYaml } from '../broker/issuance-fixture';
import { ALICE_PASSWORD } from '../broker/slice-config';
import { buildBin } from '../harness/build-bin';
import { freePort, makeTempDir, sleep, startProcess, type RunningProcess } from '../harness/processes';
import { startRedisSentinel, type RedisSentinelSetup } from '../harness/redis-topologies';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

jest.setTimeout(180_000);

const REDIS_PASSWORD = 'replicas-test-redis-password';

interface Replica {
  url: string;
  process: RunningProcess;
}

/** One browser's session, used on any replica: the cookie and CSRF token a sign-in gave. */
class Session {
  private cookie = '';
  private csrf = '';

  async signIn(replica: Replica): Promise<void> {
    const response = await fetch(`${replica.url}/auth/demo/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: ALICE_PASSWORD }),
    });
    expect(response.status).toBe(200);
    this.cookie = response.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    this.csrf = ((await response.json()) as { csrfToken: string }).csrfToken;
  }

  /** The status of a request on a replica, or `unreachable` when its process is gone. */
  async status(
    replica: Replica,
    method: 'GET' | 'POST',
    path: string,
    json?: unknown,
  ): Promise<number | 'unreachable'> {
    try {
      const response = await fetch(`${replica.url}${path}`, {
        method,
        headers: {
          cookie: this.cookie,
          'x-csrf-token': this.csrf,
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: json === undefined ? undefined : JSON.stringify(json),
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 'unreachable';
    }
  }
}

describe('three broker replicas on one Redis (Sentinel)', () => {
  let dir: string;
  let sentinel: RedisSentinelSetup;
  let sts: TestStsLocal;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    dir = await makeTempDir('fedgate-replicas-');
    const [{ main }, ports] = await Promise.all([
      buildBin('fedgate-broker', 'replicas-broker'),
      Promise.all([freePort(), freePort(), freePort()]),
    ]);
    sentinel = await startRedisSentinel({ password: REDIS_PASSWORD });
    const publicUrl = `http://127.0.0.1:${ports[0]}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(publicUrl), env));
    const store = [
      'store:',
      '  type: redis',
      `  sentinel: { masterName: ${sentinel.masterName}, nodes: [${sentinel.sentinels.join(', ')}] }`,
      `  password: ${REDIS_PASSWORD}`,
      '  connectTimeout: 5s',
      // The load below is one user from one address: lift the issuance rate limit (tested on its own).
      'issuanceRateLimit: { perUser: 1000000, perClient: 1000000 }',
      // One cache key for all: each replica decrypts what another cached.
      `issuance: { cache: { keys: [{ id: k1, key: '${randomBytes(32).toString('base64')}' }] } }`,
    ].join('\n');
    const config = join(dir, 'fedgate.yaml');
    writeFileSync(config, await brokerYaml(publicUrl, sts.url, `${store}\n`));
    for (const port of ports) {
      const url = `http://127.0.0.1:${port}`;
      const process = await startProcess({
        command: globalThis.process.execPath,
        args: [main, '--config', config],
        env: { ...env, PORT: String(port) },
        ready: async () => (await fetch(`${url}/readyz`)).ok,
        timeoutMs: 30_000,
      });
      replicas.push({ url, process });
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.process.stop()));
    await sts.stop();
    await sentinel.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const developer = (durationSeconds: number) => ({
    accountId: 'sandbox',
    permissionSet: 'Developer',
    durationSeconds,
  });

  it('serves one session on every replica, and makes one STS call for identical requests across them', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const session = new Session();
    await session.signIn(a);
    expect(await session.status(b, 'GET', '/api/v1/me')).toBe(200);
    expect(await session.status(c, 'POST', '/api/v1/credentials', developer(3600))).toBe(200);

    const before = stsCalls(sts, 'AssumeRole');
    const statuses = await Promise.all(
      Array.from({ length: 9 }, (_, index) =>
        session.status(replicas[index % 3]!, 'POST', '/api/v1/credentials', developer(3000)),
      ),
    );
    expect(statuses).toEqual(Array.from({ length: 9 }, () => 200));
    expect(stsCalls(sts, 'AssumeRole')).toBe(before + 1);
  });

  it('keeps answering on the others when one replica is killed under load', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const session = new Session();
    await session.signIn(c);
    const results: { replica: Replica; status: number | 'unreachable'; afterKill: boolean }[] = [];
    let killed = false;
    let running = true;
    // Four clients cycle over the replicas until told to stop: load before, during and after the kill.
    const worker = async (offset: number): Promise<void> => {
      for (let round = 0; running; round += 1) {
        const replica = replicas[(round + offset) % 3]!;
        const afterKill = killed;
        const status = await session.status(replica, 'POST', '/api/v1/credentials', developer(3600));
        results.push({ replica, status, afterKill });
      }
    };
    const load = Promise.all([0, 1, 2, 3].map((offset) => worker(offset)));
    await sleep(500);
    await b.process.kill();
    killed = true;
    await sleep(1_000);
    running = false;
    await load;

    const others = results.filter((result) => result.replica !== b);
    expect(others.length).toBeGreaterThan(20);
    expect(new Set(others.map((result) => result.status))).toEqual(new Set([200]));
    // Only the killed replica's own requests failed, and only once it was going.
    expect(results.filter((result) => result.status !== 200).every((result) => result.replica === b)).toBe(
      true,
    );
    expect(
      results.some((result) => result.replica === b && result.afterKill && result.status === 'unreachable'),
    ).toBe(true);
    // No session was lost: the same session is served by the survivors.
    expect(await session.status(a, 'GET', '/api/v1/me')).toBe(200);
  });

  // Last: it turns the Redis replica into the primary.
  it('fails closed during a Sentinel failover and recovers by itself, with no session lost', async () => {
    const survivors = [replicas[0]!, replicas[2]!];
    const session = new Session();
    await session.signIn(survivors[0]!);
    await sentinel.syncReplica();
    await sentinel.primary.process.kill();

    const seen = new Set<number | 'unreachable'>();
    const deadline = Date.now() + 60_000;
    let recovered = 0;
    while (recovered < 4 && Date.now() < deadline) {
      for (const replica of survivors) {
        const status = await session.status(replica, 'POST', '/api/v1/credentials', developer(3600));
        seen.add(status);
        recovered =
          status === 200 && (await sentinel.currentPrimary()) === sentinel.replica.address
            ? recovered + 1
            : 0;
      }
      await sleep(200);
    }
    expect(recovered).toBeGreaterThanOrEqual(4);
    // During the window: 503 (store unavailable), never a lost session (401) or an internal error.
    expect([...seen].filter((status) => status !== 200 && status !== 503)).toEqual([]);
    expect(seen.has(503)).toBe(true);
    for (const replica of survivors) {
      expect(await session.status(replica, 'GET', '/api/v1/me')).toBe(200);
    }
  });
});
