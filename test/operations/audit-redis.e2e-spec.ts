/**
 * The audit stream in Redis through running brokers (audit.output: redis): two brokers append
 * to one chain that `fedgate audit verify --redis` accepts, with no secret in it; while the
 * audit Redis is away nothing is handed out (503, no credentials, no session cookie), and once
 * it is back on the same port the brokers go on, without a restart.
 */
import { Redis } from 'ioredis';
import { verifyChainLines } from '@fedgate/audit';
import { runCli } from '../../apps/cli/src/program';
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { brokerYaml, env, stsLocalYaml } from '../broker/issuance-fixture';
import { ALICE_PASSWORD } from '../broker/slice-config';
import { freePort, sleep } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

const STREAM = 'fedgate:audit:e2e';
const DEVELOPER = { accountId: 'sandbox', permissionSet: 'Developer' };

describe('the audit stream in Redis, written by two brokers', () => {
  let redis: RedisServer;
  let sts: TestStsLocal;
  let brokers: RunningBroker[];

  beforeAll(async () => {
    redis = await startRedis();
    const ports = [await freePort(), await freePort()];
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(`http://127.0.0.1:${ports[0]}`), env));
    brokers = [];
    for (const port of ports) {
      const brokerUrl = `http://127.0.0.1:${port}`;
      const yaml = await brokerYaml(
        brokerUrl,
        sts.url,
        `audit: { output: redis, redis: { url: '${redis.url}', stream: '${STREAM}' } }\n` +
          'issuanceRateLimit: { perUser: 1000, perClient: 1000 }\n',
      );
      brokers.push(await startBroker(configFrom(yaml, env), { port, configuredAudit: true }));
    }
  });

  afterAll(async () => {
    for (const broker of brokers) {
      await broker.stop();
    }
    await sts.stop();
    await redis.stop();
  });

  async function streamLines(): Promise<string[]> {
    const client = new Redis(redis.url);
    try {
      return (await client.xrange(STREAM, '-', '+')).map(([, fields]) => fields[1] ?? '');
    } finally {
      client.disconnect();
    }
  }

  it('holds one chain of both brokers, with no secret in it', async () => {
    const secrets: string[] = [ALICE_PASSWORD, 'wrong-password-123'];
    await Promise.all(
      brokers.map(async (broker) => {
        const stranger = new HttpClient(broker.url);
        expect((await stranger.login('demo', 'alice', 'wrong-password-123')).status).toBe(401);
        const alice = new HttpClient(broker.url);
        expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
        secrets.push(alice.cookie('fedgate_session') ?? '<no cookie>', alice.csrfToken ?? '<no csrf>');
        const answers = await Promise.all(
          Array.from({ length: 5 }, () => alice.request('POST', '/api/v1/credentials', { json: DEVELOPER })),
        );
        for (const answer of answers) {
          expect(answer.status).toBe(200);
          secrets.push(answer.body.SecretAccessKey as string, answer.body.SessionToken as string);
        }
        const console = await alice.request('POST', '/api/v1/console', { json: DEVELOPER });
        expect(console.status).toBe(200);
        secrets.push(
          console.body.url as string,
          new URL(console.body.url as string).searchParams.get('SigninToken')!,
        );
      }),
    );

    const lines = await streamLines();
    expect(verifyChainLines(lines)).toMatchObject({ ok: true, lines: lines.length, firstSeq: 1 });
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      events.filter((event) => event.event === 'issue_credentials' && event.outcome === 'success'),
    ).toHaveLength(12); // 5 credentials and a console sign-in's on each broker
    const text = lines.join('\n');
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
    }
    let stdout = '';
    const code = await runCli(['audit', 'verify', '--redis', redis.url, '--stream', STREAM], {
      stdin: process.stdin,
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: () => true },
      env: {},
    });
    expect({ code, stdout }).toEqual({
      code: 0,
      stdout: `${STREAM}: ${lines.length} entries, chain intact (last seq ${lines.length})\n`,
    });
  });

  it('hands out nothing while the audit Redis is away, and goes on when it is back', async () => {
    const [first] = brokers;
    const alice = new HttpClient(first!.url);
    expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
    const port = redis.port;
    await redis.kill();

    const refused = await alice.request('POST', '/api/v1/credentials', { json: DEVELOPER });
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: 'store_unavailable', message: expect.any(String) as unknown });
    expect(refused.text).not.toMatch(/SecretAccessKey|SessionToken|ASIA/);
    expect(refused.headers.get('cache-control')).toBe('no-store');

    const bob = new HttpClient(first!.url);
    const signIn = await bob.login('demo', 'alice', ALICE_PASSWORD);
    expect(signIn.status).toBe(503);
    expect(signIn.headers.getSetCookie()).toEqual([]);
    expect(signIn.text).not.toContain('csrfToken');

    redis = await startRedis({ port });
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
      status = (await alice.request('POST', '/api/v1/credentials', { json: DEVELOPER })).status;
      if (status !== 200) {
        await sleep(100);
      }
    }
    expect(status).toBe(200);
    // The restarted test server kept no data: the chain starts again there, unbroken.
    expect(verifyChainLines(await streamLines())).toMatchObject({ ok: true });
  });
});
