/**
 * Credential issuance through the broker (issue #5), each side measured
 * against a baseline in the same run:
 *
 * - cache hit: POST /api/v1/credentials requests per second against a bare
 *   node:http server answering the same JSON bytes with the same headers
 *   (the limit of this stack on this machine);
 * - cache miss (cache disabled, every request calls AssumeRole on
 *   sts-local): the latency of sequential requests against direct SDK
 *   AssumeRole calls with the same input, the same client setup and the
 *   same sts-local.
 *
 * The broker, sts-local and the bare server run in this thread; the load
 * comes from a worker thread (load-worker.ts). Runs alternate between the
 * two sides of each comparison; medians over the rounds are reported.
 *
 * Run: npm run bench:issuance   (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_ROUNDS,
 * BENCH_MISS_REQUESTS and BENCH_MISS_ROUNDS tune it)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { AssumeRoleCommandInput, STSClient } from '@aws-sdk/client-sts';
import { parseConfig, type BackendConfig, type FedgateConfig } from '@fedgate/broker-config';
import { hashPassword } from '@fedgate/connectors';
import { createStsClient } from '@fedgate/issuance';
import { createLogger } from '@fedgate/logging';
import { createBrokerApp } from '../../apps/broker/src/broker-app';
import { profileWhile, selfTimeByOrigin, topSelfTime } from '../shared/cpu-profile';
import { formatCount, resultsDirectory, writeBenchResults } from '../shared/results';
import { mainThreadCpuMs } from '../shared/thread-cpu';
import { startRedis } from '../../test/harness/redis';
import { startBareRedisServer } from './bare-redis';
import { GROUPS, largeMapping, RULES, type MappingFragments } from './large-mapping';
import {
  commandsPerRequest,
  forkBroker,
  peakResidentMiB,
  redisBytes,
  redisCommandCounts,
  residentMiB,
} from './memory';
import { createBrokerRuntime } from '../../apps/broker/src/broker-runtime';
import { parseStsLocalConfig } from '../../apps/sts-local/src/config/load-sts-local-config';
import { startStsLocal } from '../../apps/sts-local/src/server/sts-local-server';
import type {
  HttpSequenceTask,
  LoadMessage,
  LoadTask,
  SdkSequenceTask,
  SequenceResult,
  ThroughputResult,
  ThroughputTask,
} from './load-worker';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MISS_REQUESTS = Number(process.env.BENCH_MISS_REQUESTS ?? 500);
const MISS_ROUNDS = Number(process.env.BENCH_MISS_ROUNDS ?? 5);
const WARMUP_SECONDS = 5;
/** Unmeasured calls at the start of every sequence: reopen the keep-alive connection, warm the path. */
const SEQUENCE_WARMUP = 5;
/** The brokers' audit streams go to files here (on stdout they would flood the bench's output). */
const AUDIT_DIRECTORY = mkdtempSync(join(tmpdir(), 'fedgate-bench-audit-'));
const RESULTS_FILE = join(__dirname, '..', '..', 'issuance-results.json');
/** `--profile`: profile the broker's thread through one cache-hit run instead of the comparison. */
const PROFILE = process.argv.includes('--profile');
/** `--profile-redis`: the same, for the Redis store's cache hits (after the memory store's comparison). */
const PROFILE_REDIS = process.argv.includes('--profile-redis');
/** `--hit-only`: the cache-hit comparisons (memory and Redis) only, printed and not written to the results. */
const HIT_ONLY = process.argv.includes('--hit-only');
const REDIS_ROUNDS = Number(process.env.BENCH_REDIS_ROUNDS ?? 3);

const ACCOUNT = '123456789012';
const PASSWORD = 'bench-password-not-a-secret';
const BROKER_SECRET = 'bench-broker-secret-access-key-0123456789';
/** Headers Node writes itself, so the bare server does not copy them from the broker's answer. */
const NODE_OWN_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

const stsLocalYaml = `
accounts:
  - id: '${ACCOUNT}'
    users:
      - { name: fedgate-broker, accessKeyId: AKIAFEDGATEBENCH0001, secretAccessKey: '\${env:BROKER_SECRET}' }
    roles:
      - name: fedgate-Developer
        maxSessionDuration: 4h
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: 'arn:aws:iam::${ACCOUNT}:user/fedgate-broker' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
`;

function brokerYaml(
  stsUrl: string,
  passwordHash: string,
  cache: boolean,
  name = cache ? 'cached' : 'uncached',
  mapping?: MappingFragments,
): string {
  return `
logging: { level: warn }
connectors:
  - id: demo
    type: static
    users:
      - username: alice
        passwordHash: "${passwordHash}"
        groups: ${mapping?.groups ?? '[developers]'}
        attributes: { department: Engineering }
backends:
  - id: local
    type: sts
    endpoint: ${stsUrl}
    maxAttempts: 1
    credentials: { accessKeyId: AKIAFEDGATEBENCH0001, secretAccessKey: "\${env:BROKER_SECRET}" }
accounts:
  - { id: "${ACCOUNT}", name: sandbox, backend: local }
${mapping?.accounts ?? ''}
permissionSets:
  - name: Developer
    roleName: fedgate-Developer
    sessionDuration: 2h
    tags: { Department: "{{attributes.department}}" }
${mapping?.permissionSets ?? ''}
assignments:
  - { match: { groups: [developers] }, accounts: [sandbox], permissionSets: [Developer] }
${mapping?.assignments ?? ''}
issuance: { cache: { enabled: ${cache} } }
audit: { output: file, path: "${AUDIT_DIRECTORY}/audit-${name}.jsonl" }
# One user from one address sends every request of the bench: lift the per-user limit, keep the check.
issuanceRateLimit: { perUser: 1000000, perClient: 1000000 }
`;
}

function parsed(yaml: string): FedgateConfig {
  const result = parseConfig(yaml, { env: { BROKER_SECRET }, baseDir: __dirname });
  if (!result.ok) {
    throw new Error(result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  }
  return result.config;
}

/** Warnings and errors only (logging every request would measure pino), to stderr. */
const logger = createLogger({ level: 'warn', destination: process.stderr });

interface BenchBroker {
  url: string;
  /** Cookie and CSRF headers of a signed-in alice, with the JSON content type. */
  headers: Record<string, string>;
  /** AssumeRole calls the broker's SDK client made. */
  stsCalls(): number;
  /** The first AssumeRole input the broker sent: the direct baseline sends the same. */
  firstInput(): AssumeRoleCommandInput | undefined;
  stop(): Promise<void>;
}

/** Signs alice in; answers her cookie and CSRF headers, with the JSON content type. */
async function signIn(url: string): Promise<Record<string, string>> {
  const login = await fetch(`${url}/auth/demo/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: PASSWORD }),
  });
  const answer = (await login.json()) as { csrfToken?: string };
  if (login.status !== 200 || answer.csrfToken === undefined) {
    throw new Error(`login failed: status ${login.status}`);
  }
  const cookie = login.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  return { 'content-type': 'application/json', cookie, 'x-csrf-token': answer.csrfToken };
}

async function startBroker(config: FedgateConfig): Promise<BenchBroker> {
  let calls = 0;
  let firstInput: AssumeRoleCommandInput | undefined;
  const runtime = await createBrokerRuntime(config, {
    logger,
    stsClientFactory: (backend: BackendConfig): STSClient => {
      const client = createStsClient(backend);
      client.middlewareStack.add(
        (next) => (args) => {
          calls += 1;
          firstInput ??= structuredClone(args.input as AssumeRoleCommandInput);
          return next(args);
        },
        { step: 'initialize', name: 'benchCountStsCalls' },
      );
      return client;
    },
  });
  const app = await createBrokerApp(runtime);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const headers = await signIn(url);
  return {
    url,
    headers,
    stsCalls: () => calls,
    firstInput: () => firstInput,
    async stop() {
      await app.close();
      await runtime.close();
    },
  };
}

/** The same bytes and headers as the broker's answer, from a bare node:http server. */
async function startBareServer(body: Buffer, headers: Record<string, string>): Promise<Server> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { ...headers, 'content-length': body.length });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Sends tasks to the load-generating worker one at a time. */
class LoadGenerator {
  private readonly worker = new Worker(join(__dirname, 'load-worker.js'));

  throughput(task: ThroughputTask): Promise<ThroughputResult> {
    return this.run(task) as Promise<ThroughputResult>;
  }

  sequence(task: HttpSequenceTask | SdkSequenceTask): Promise<SequenceResult> {
    return this.run(task) as Promise<SequenceResult>;
  }

  private run(task: LoadTask): Promise<ThroughputResult | SequenceResult> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(error);
      };
      this.worker.once('error', onError);
      this.worker.once('message', (message: LoadMessage) => {
        this.worker.off('error', onError);
        if (message.ok) {
          resolve(message.result);
        } else {
          reject(new Error(message.error));
        }
      });
      this.worker.postMessage(task);
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage('close');
    await exited;
  }
}

/** Profiles the servers' thread through one cache-hit run and prints where its time went. */
async function profileCacheHit(name: string, run: () => Promise<HitRun>): Promise<void> {
  const directory = resultsDirectory();
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${name}.cpuprofile`);
  let result: HitRun | undefined;
  const profile = await profileWhile(path, async () => {
    result = await run();
  });
  console.log(
    `\nProfiled ${SECONDS} s of cache hits (${result?.requestsPerSecond.toFixed(0)} req/s while profiling): ${path}`,
  );
  console.log('\nself time by origin');
  for (const { origin, share } of selfTimeByOrigin(profile).slice(0, 15)) {
    console.log(`  ${(share * 100).toFixed(1).padStart(5)} %  ${origin}`);
  }
  console.log('\ntop self time');
  for (const entry of topSelfTime(profile, 25)) {
    console.log(`  ${(entry.share * 100).toFixed(1).padStart(5)} %  ${entry.function}`);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** One throughput run and the event-loop utilization of the servers' thread during it. */
interface HitRun extends ThroughputResult {
  serverEventLoopUtilization: number;
  /** Requests per second of the servers' thread's own CPU time (NaN off Linux). */
  requestsPerCpuSecond: number;
}

interface LatencySummary {
  p50: number;
  p99: number;
  mean: number;
}

function summarize(durationsMs: readonly number[]): LatencySummary {
  return {
    p50: percentile(durationsMs, 50),
    p99: percentile(durationsMs, 99),
    mean: durationsMs.reduce((sum, value) => sum + value, 0) / durationsMs.length,
  };
}

function medianSummary(rounds: readonly LatencySummary[]): LatencySummary {
  return {
    p50: median(rounds.map((round) => round.p50)),
    p99: median(rounds.map((round) => round.p99)),
    mean: median(rounds.map((round) => round.mean)),
  };
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
}

async function main(): Promise<void> {
  const sts = await startStsLocal(
    parseStsLocalConfig(stsLocalYaml, { env: { BROKER_SECRET }, baseDir: __dirname, source: 'bench' }),
    { port: 0, host: '127.0.0.1', logger },
  );
  const passwordHash = await hashPassword(PASSWORD, 10);
  const cached = await startBroker(parsed(brokerYaml(sts.url, passwordHash, true)));
  const uncachedConfig = parsed(brokerYaml(sts.url, passwordHash, false));
  const uncached = await startBroker(uncachedConfig);
  const load = new LoadGenerator();
  const body = JSON.stringify({ accountId: 'sandbox', permissionSet: 'Developer' });
  const credentialsPath = '/api/v1/credentials';
  let bare: Server | undefined;

  try {
    // One request fills the cache; its answer is what every cache hit must return, byte for byte.
    const first = await fetch(`${cached.url}${credentialsPath}`, {
      method: 'POST',
      headers: cached.headers,
      body,
    });
    const expected = Buffer.from(await first.arrayBuffer());
    if (first.status !== 200 || cached.stsCalls() !== 1) {
      throw new Error(`warm-up request: status ${first.status}, ${cached.stsCalls()} AssumeRole calls`);
    }
    const copied: Record<string, string> = {};
    first.headers.forEach((value, name) => {
      if (!NODE_OWN_HEADERS.has(name)) {
        copied[name] = value;
      }
    });
    bare = await startBareServer(expected, copied);
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}${credentialsPath}`;

    const machine = {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    };
    console.log(
      `Issuance bench: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; ` +
        `servers in the main thread, load from a worker thread`,
    );

    // 1. Cache hit: requests per second, broker against the bare server.
    /** A throughput run, with how busy this thread (the servers') was meanwhile: near 1 means saturated. */
    const hit = async (
      url: string,
      seconds: number,
      headers: Record<string, string> = cached.headers,
      expectBody: string = expected.toString('utf8'),
    ): Promise<HitRun> => {
      const before = performance.eventLoopUtilization();
      const cpuBefore = mainThreadCpuMs() ?? Number.NaN;
      const result = await load.throughput({
        kind: 'throughput',
        url,
        headers,
        body,
        connections: CONNECTIONS,
        seconds,
        expectBody,
      });
      const cpuMs = (mainThreadCpuMs() ?? Number.NaN) - cpuBefore;
      return {
        ...result,
        serverEventLoopUtilization: performance.eventLoopUtilization(before).utilization,
        requestsPerCpuSecond: (result.total * 1000) / cpuMs,
      };
    };
    console.log(
      `\nCache hit: POST ${credentialsPath}, ${CONNECTIONS} connections, ${SECONDS} s per run, ` +
        `${ROUNDS} rounds (after ${WARMUP_SECONDS} s warm-up each); ${Object.keys(copied).length} ` +
        `response headers copied to the bare server (${Object.keys(copied).join(', ')})`,
    );
    const brokerUrl = `${cached.url}${credentialsPath}`;
    await hit(bareUrl, WARMUP_SECONDS);
    await hit(brokerUrl, WARMUP_SECONDS);
    if (PROFILE) {
      await profileCacheHit('issuance-cache-hit', () => hit(brokerUrl, SECONDS));
      return;
    }
    const hitRounds: { bare: HitRun; broker: HitRun }[] = [];
    const widths = [8, 12, 10, 14, 10, 8, 14, 14, 8];
    console.log(
      row(
        [
          'round',
          'bare req/s',
          'bare ELU',
          'broker req/s',
          'broker ELU',
          'ratio',
          'bare /cpu-s',
          'broker /cpu-s',
          'ratio',
        ],
        widths,
      ),
    );
    for (let round = 1; round <= ROUNDS; round += 1) {
      // Alternate which side goes first, so drift (heat, GC, page cache) does not favour one.
      let bareRun: HitRun;
      let brokerRun: HitRun;
      if (round % 2 === 1) {
        bareRun = await hit(bareUrl, SECONDS);
        brokerRun = await hit(brokerUrl, SECONDS);
      } else {
        brokerRun = await hit(brokerUrl, SECONDS);
        bareRun = await hit(bareUrl, SECONDS);
      }
      hitRounds.push({ bare: bareRun, broker: brokerRun });
      console.log(
        row(
          [
            String(round),
            bareRun.requestsPerSecond.toFixed(0),
            bareRun.serverEventLoopUtilization.toFixed(2),
            brokerRun.requestsPerSecond.toFixed(0),
            brokerRun.serverEventLoopUtilization.toFixed(2),
            (brokerRun.requestsPerSecond / bareRun.requestsPerSecond).toFixed(3),
            bareRun.requestsPerCpuSecond.toFixed(0),
            brokerRun.requestsPerCpuSecond.toFixed(0),
            (brokerRun.requestsPerCpuSecond / bareRun.requestsPerCpuSecond).toFixed(3),
          ],
          widths,
        ),
      );
    }
    if (cached.stsCalls() !== 1) {
      throw new Error(`cache hits called AssumeRole ${cached.stsCalls() - 1} times`);
    }
    const bareRate = median(hitRounds.map((round) => round.bare.requestsPerSecond));
    const brokerRate = median(hitRounds.map((round) => round.broker.requestsPerSecond));
    const hitRatio = median(
      hitRounds.map((round) => round.broker.requestsPerSecond / round.bare.requestsPerSecond),
    );
    const bareCpuRate = median(hitRounds.map((round) => round.bare.requestsPerCpuSecond));
    const brokerCpuRate = median(hitRounds.map((round) => round.broker.requestsPerCpuSecond));
    const hitCpuRatio = median(
      hitRounds.map((round) => round.broker.requestsPerCpuSecond / round.bare.requestsPerCpuSecond),
    );
    console.log(
      row(
        [
          'median',
          bareRate.toFixed(0),
          '',
          brokerRate.toFixed(0),
          '',
          hitRatio.toFixed(3),
          bareCpuRate.toFixed(0),
          brokerCpuRate.toFixed(0),
          hitCpuRatio.toFixed(3),
        ],
        widths,
      ),
    );

    // The mapping at scale: the same cache hits with 1,000 rules and alice in 500 groups, against
    // the one-rule broker above, alternating (issue 19: they may cost at most 5 % of a cache hit).
    const large = await startBroker(
      parsed(brokerYaml(sts.url, passwordHash, true, 'large', largeMapping(Number(ACCOUNT)))),
    );
    let scale: { cpuRatio: number; ratio: number; large: number; small: number };
    try {
      const largeUrl = `${large.url}${credentialsPath}`;
      const largeFill = await fetch(largeUrl, { method: 'POST', headers: large.headers, body });
      const largeExpected = await largeFill.text();
      if (largeFill.status !== 200) {
        throw new Error(`1,000-rule broker: status ${largeFill.status}`);
      }
      // The config is what it claims: alice holds many entitlements through many of the rules.
      const listing = await fetch(`${large.url}/api/v1/entitlements`, { headers: large.headers });
      const held = ((await listing.json()) as { entitlements?: unknown[] }).entitlements?.length ?? 0;
      if (held < 50) {
        throw new Error(`1,000-rule broker: alice holds ${held} entitlements`);
      }
      await hit(largeUrl, WARMUP_SECONDS, large.headers, largeExpected);
      const scaleRounds: { small: HitRun; large: HitRun }[] = [];
      for (let round = 1; round <= ROUNDS; round += 1) {
        const runLarge = (): Promise<HitRun> => hit(largeUrl, SECONDS, large.headers, largeExpected);
        if (round % 2 === 1) {
          const small = await hit(brokerUrl, SECONDS);
          scaleRounds.push({ small, large: await runLarge() });
        } else {
          const largeRun = await runLarge();
          scaleRounds.push({ small: await hit(brokerUrl, SECONDS), large: largeRun });
        }
      }
      if (large.stsCalls() !== 1) {
        throw new Error(`1,000-rule cache hits called AssumeRole ${large.stsCalls() - 1} times`);
      }
      scale = {
        cpuRatio: median(scaleRounds.map((r) => r.large.requestsPerCpuSecond / r.small.requestsPerCpuSecond)),
        ratio: median(scaleRounds.map((r) => r.large.requestsPerSecond / r.small.requestsPerSecond)),
        large: median(scaleRounds.map((r) => r.large.requestsPerCpuSecond)),
        small: median(scaleRounds.map((r) => r.small.requestsPerCpuSecond)),
      };
      console.log(
        `\n${RULES} rules, ${GROUPS} groups (alice holds ${held} entitlements), ${ROUNDS} rounds: cache hits per CPU second ${scale.cpuRatio.toFixed(3)} of the one-rule broker's ` +
          `(${scale.large.toFixed(0)} / ${scale.small.toFixed(0)} /cpu-s), per wall-clock second ${scale.ratio.toFixed(3)}; rounds ` +
          scaleRounds
            .map((r) => (r.large.requestsPerCpuSecond / r.small.requestsPerCpuSecond).toFixed(3))
            .join(', '),
      );
    } finally {
      await large.stop();
    }

    // 2. The same cache hits with the sessions and the cache in Redis (a real redis-server).
    const redisServer = await startRedis();
    const redisBroker = await startBroker(
      parsed(
        `${brokerYaml(sts.url, passwordHash, true, 'redis')}\nstore: { type: redis, url: "${redisServer.url}", keyPrefix: "bench:" }\n`,
      ),
    );
    let redisResult: {
      ratio: number;
      cpuRatio: number;
      broker: number;
      bare: number;
      sessionBytes: number;
      credentialBytes: number;
      /** Against bare node:http making the same Redis round trips, per wall-clock second. */
      ioRatio: number;
      bareRedis: number;
      commands: string;
    };
    try {
      const redisUrl = `${redisBroker.url}${credentialsPath}`;
      // Its own credentials (same shape and length as the bare server's bytes).
      const fill = await fetch(redisUrl, { method: 'POST', headers: redisBroker.headers, body });
      const redisExpected = await fill.text();
      await hit(redisUrl, WARMUP_SECONDS, redisBroker.headers, redisExpected);
      if (PROFILE_REDIS) {
        await profileCacheHit('issuance-cache-hit-redis', () =>
          hit(redisUrl, SECONDS, redisBroker.headers, redisExpected),
        );
        return;
      }
      // The second baseline: bare node:http making the same Redis round trips (bare-redis.ts).
      const bareRedis = await startBareRedisServer(redisServer.url, 'bench:', expected, copied);
      const bareRedisUrl = `${bareRedis.url}${credentialsPath}`;
      const redisRounds: { bare: HitRun; broker: HitRun; bareRedis: HitRun }[] = [];
      try {
        await hit(bareRedisUrl, WARMUP_SECONDS);
        for (let round = 1; round <= REDIS_ROUNDS; round += 1) {
          const bareRun = await hit(bareUrl, SECONDS);
          const brokerRun = await hit(redisUrl, SECONDS, redisBroker.headers, redisExpected);
          redisRounds.push({ bare: bareRun, broker: brokerRun, bareRedis: await hit(bareRedisUrl, SECONDS) });
        }
      } finally {
        await bareRedis.stop();
      }
      // Round trips explain the Redis ratio: the commands one cache hit sends, counted by redis-server.
      const countedRequests = 200;
      const commandsBefore = await redisCommandCounts(redisServer.url);
      for (let i = 0; i < countedRequests; i += 1) {
        const answer = await fetch(redisUrl, { method: 'POST', headers: redisBroker.headers, body });
        await answer.arrayBuffer();
      }
      const perHit = commandsPerRequest(
        commandsBefore,
        await redisCommandCounts(redisServer.url),
        countedRequests,
      );
      // More sessions, so the bytes per session are a mean over many.
      for (let i = 0; i < 19; i += 1) {
        await signIn(redisBroker.url);
      }
      const sessions = await redisBytes(redisServer.url, 'bench:', 'session:');
      const credentials = await redisBytes(redisServer.url, 'bench:', 'issuance:credentials:');
      redisResult = {
        ratio: median(redisRounds.map((r) => r.broker.requestsPerSecond / r.bare.requestsPerSecond)),
        cpuRatio: median(redisRounds.map((r) => r.broker.requestsPerCpuSecond / r.bare.requestsPerCpuSecond)),
        broker: median(redisRounds.map((r) => r.broker.requestsPerSecond)),
        bare: median(redisRounds.map((r) => r.bare.requestsPerSecond)),
        sessionBytes: sessions.meanBytes,
        credentialBytes: credentials.meanBytes,
        ioRatio: median(redisRounds.map((r) => r.broker.requestsPerSecond / r.bareRedis.requestsPerSecond)),
        bareRedis: median(redisRounds.map((r) => r.bareRedis.requestsPerSecond)),
        commands: perHit
          .filter((c) => c.perRequest >= 0.5)
          .map((c) => `${c.name.toUpperCase()} ${c.perRequest.toFixed(0)}`)
          .join(', '),
      };
      console.log(
        `\nRedis store, ${REDIS_ROUNDS} rounds: broker / bare = ${redisResult.ratio.toFixed(3)} per wall-clock second ` +
          `(${redisResult.broker.toFixed(0)} / ${redisResult.bare.toFixed(0)} req/s), ${redisResult.cpuRatio.toFixed(3)} per CPU second of the servers' thread (redis-server's own CPU not counted)` +
          `\nAgainst bare node:http making the same Redis round trips: ${redisResult.ioRatio.toFixed(3)} (${redisResult.broker.toFixed(0)} / ${redisResult.bareRedis.toFixed(0)} req/s)` +
          `\nRedis MEMORY USAGE: ${sessions.meanBytes.toFixed(0)} bytes per session (mean of ${sessions.keys}), ` +
          `${credentials.meanBytes.toFixed(0)} bytes per cached credential (${credentials.keys})` +
          `\nRedis commands per cache hit: ${perHit.map((c) => `${c.name} ${c.perRequest.toFixed(2)}`).join(', ')}`,
      );
    } finally {
      await redisBroker.stop();
      await redisServer.stop();
    }
    if (HIT_ONLY) {
      return;
    }

    // 3. Memory: the broker alone in a process, idle and under the cache-hit load.
    const alone = await forkBroker(brokerYaml(sts.url, passwordHash, true, 'alone'), BROKER_SECRET);
    let memory: { idleMiB: number; loadMiB: number };
    try {
      const headers = await signIn(alone.url);
      const fillAlone = await fetch(`${alone.url}${credentialsPath}`, { method: 'POST', headers, body });
      const aloneExpected = await fillAlone.text();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const idleMiB = residentMiB(alone.pid);
      const loadMiB = await peakResidentMiB(alone.pid, () =>
        hit(`${alone.url}${credentialsPath}`, SECONDS, headers, aloneExpected),
      );
      memory = { idleMiB, loadMiB };
      console.log(
        `\nBroker process resident set: ${idleMiB.toFixed(0)} MiB idle (signed in, one credential cached), ` +
          `${loadMiB.toFixed(0)} MiB peak under ${SECONDS} s of cache hits`,
      );
    } finally {
      await alone.stop();
    }

    // 4. Cache miss: sequential latency, broker (cache off) against direct AssumeRole.
    const uncachedUrl = `${uncached.url}${credentialsPath}`;
    const probe = await fetch(uncachedUrl, { method: 'POST', headers: uncached.headers, body });
    await probe.arrayBuffer();
    const input = uncached.firstInput();
    if (probe.status !== 200 || input === undefined) {
      throw new Error(`cache-miss probe: status ${probe.status}`);
    }
    // The direct calls use the broker's own SDK client setup for its backend (timeouts, retries).
    const backend = uncachedConfig.backends[0]!;
    console.log(
      `\nCache miss: ${MISS_REQUESTS} sequential requests per run, ${MISS_ROUNDS} rounds; ` +
        `AssumeRole ${input.RoleArn} with ${input.Tags?.length ?? 0} tag(s), ` +
        `SourceIdentity ${input.SourceIdentity === undefined ? 'unset' : 'set'}, ${input.DurationSeconds} s`,
    );
    const direct = () =>
      load
        .sequence({ kind: 'sdk-sequence', backend, input, count: MISS_REQUESTS, warmup: SEQUENCE_WARMUP })
        .then((r) => summarize(r.durationsMs));
    const viaBroker = () =>
      load
        .sequence({
          kind: 'http-sequence',
          url: uncachedUrl,
          headers: uncached.headers,
          body,
          count: MISS_REQUESTS,
          warmup: SEQUENCE_WARMUP,
        })
        .then((r) => summarize(r.durationsMs));
    const missRounds: { direct: LatencySummary; broker: LatencySummary }[] = [];
    const callsBefore = uncached.stsCalls();
    for (let round = 1; round <= MISS_ROUNDS; round += 1) {
      if (round % 2 === 1) {
        const directRun = await direct();
        missRounds.push({ direct: directRun, broker: await viaBroker() });
      } else {
        const brokerRun = await viaBroker();
        missRounds.push({ direct: await direct(), broker: brokerRun });
      }
    }
    const brokerCalls = uncached.stsCalls() - callsBefore;
    const expectedCalls = MISS_ROUNDS * (MISS_REQUESTS + SEQUENCE_WARMUP);
    if (brokerCalls !== expectedCalls) {
      throw new Error(`cache-miss runs made ${brokerCalls} AssumeRole calls, expected ${expectedCalls}`);
    }
    const directLatency = medianSummary(missRounds.map((round) => round.direct));
    const brokerLatency = medianSummary(missRounds.map((round) => round.broker));
    const missWidths = [26, 10, 10, 10];
    const ms = (value: number) => `${value.toFixed(2)} ms`;
    console.log(row(['median of rounds', 'p50', 'p99', 'mean'], missWidths));
    console.log(
      row(
        ['direct SDK AssumeRole', ms(directLatency.p50), ms(directLatency.p99), ms(directLatency.mean)],
        missWidths,
      ),
    );
    console.log(
      row(
        ['broker (cache off)', ms(brokerLatency.p50), ms(brokerLatency.p99), ms(brokerLatency.mean)],
        missWidths,
      ),
    );
    const added = {
      p50: brokerLatency.p50 - directLatency.p50,
      p99: brokerLatency.p99 - directLatency.p99,
      mean: brokerLatency.mean - directLatency.mean,
    };
    const missRatio = {
      p50: brokerLatency.p50 / directLatency.p50,
      p99: brokerLatency.p99 / directLatency.p99,
      mean: brokerLatency.mean / directLatency.mean,
    };
    console.log(row(['added (broker − direct)', ms(added.p50), ms(added.p99), ms(added.mean)], missWidths));
    console.log(
      row(
        [
          'ratio broker / direct',
          missRatio.p50.toFixed(2),
          missRatio.p99.toFixed(2),
          missRatio.mean.toFixed(2),
        ],
        missWidths,
      ),
    );

    console.log(
      `\nCache hit: broker / bare node:http = ${hitRatio.toFixed(3)} (${brokerRate.toFixed(0)} / ${bareRate.toFixed(0)} req/s)` +
        `\nCache miss: broker adds ${added.mean.toFixed(2)} ms mean, ${added.p50.toFixed(2)} ms p50 ` +
        `(broker / direct = ${missRatio.mean.toFixed(2)} mean, ${missRatio.p50.toFixed(2)} p50)`,
    );

    const results = {
      date: new Date().toISOString(),
      machine,
      settings: {
        seconds: SECONDS,
        connections: CONNECTIONS,
        rounds: ROUNDS,
        warmupSeconds: WARMUP_SECONDS,
        missRequests: MISS_REQUESTS,
        missRounds: MISS_ROUNDS,
      },
      cacheHit: {
        bareRequestsPerSecond: bareRate,
        brokerRequestsPerSecond: brokerRate,
        ratio: hitRatio,
        bareRequestsPerCpuSecond: bareCpuRate,
        brokerRequestsPerCpuSecond: brokerCpuRate,
        cpuRatio: hitCpuRatio,
        rounds: hitRounds,
      },
      cacheMiss: {
        directMs: directLatency,
        brokerMs: brokerLatency,
        addedMs: added,
        ratio: missRatio,
        rounds: missRounds,
      },
    };
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nResults written to ${RESULTS_FILE}`);
    const summary = writeBenchResults('issuance', [
      {
        id: 'cache-hit',
        measures:
          "POST /api/v1/credentials on a cache hit, per CPU second of the servers' thread (memory store)",
        baseline: 'bare node:http, same bytes, same run',
        value: hitCpuRatio,
        target: 0.4,
        detail: `${formatCount(brokerCpuRate)} against ${formatCount(bareCpuRate)} /cpu-s; per wall-clock second ${hitRatio.toFixed(3)} (${formatCount(brokerRate)} against ${formatCount(bareRate)} /s)`,
      },
      {
        id: 'cache-hit-1000-rules',
        measures: `the same cache hits with ${formatCount(RULES)} rules and ${GROUPS} groups, per CPU second of the servers' thread`,
        baseline: 'the same cache hits with one rule and one group, same run',
        value: scale.cpuRatio,
        // The mapping at that scale may cost at most 5 % of a cache hit.
        target: 0.95,
        detail: `${formatCount(scale.large)} against ${formatCount(scale.small)} /cpu-s; per wall-clock second ${scale.ratio.toFixed(3)}`,
      },
      {
        id: 'cache-hit-redis',
        measures: 'the same cache hits with sessions and cache in Redis, per wall-clock second',
        baseline: 'bare node:http, same bytes, same run',
        value: redisResult.ratio,
        target: 0.4,
        detail: `${formatCount(redisResult.broker)} against ${formatCount(redisResult.bare)} /s; per CPU second of the servers' thread ${redisResult.cpuRatio.toFixed(3)}; commands run per hit, those of its one script included: ${redisResult.commands}`,
      },
      {
        id: 'cache-hit-redis-io',
        measures: 'the same Redis cache hits, per wall-clock second, against a server doing their Redis I/O',
        baseline: 'bare node:http making the same Redis round trips (two per request), same bytes, same run',
        value: redisResult.ioRatio,
        target: null,
        detail: `${formatCount(redisResult.broker)} against ${formatCount(redisResult.bareRedis)} /s`,
      },
      {
        id: 'rss-idle',
        measures: 'broker process resident set idle: the 150 MiB budget over what it used',
        baseline: 'its resident set, signed in, one credential cached',
        value: 150 / memory.idleMiB,
        target: 1,
        detail: `${memory.idleMiB.toFixed(0)} MiB`,
      },
      {
        id: 'rss-load',
        measures: 'broker process resident set under load: the 300 MiB budget over its peak',
        baseline: 'its peak resident set during a cache-hit run',
        value: 300 / memory.loadMiB,
        target: 1,
        detail: `${memory.loadMiB.toFixed(0)} MiB`,
      },
      {
        id: 'session-bytes',
        measures: 'bytes per session in Redis: the 2 KB budget over MEMORY USAGE',
        baseline: 'MEMORY USAGE of the session keys (mean)',
        value: 2048 / redisResult.sessionBytes,
        target: 1,
        detail: `${formatCount(redisResult.sessionBytes)} bytes per session; ${formatCount(redisResult.credentialBytes)} bytes per cached credential`,
      },
      {
        id: 'cache-miss',
        measures: 'latency of sequential requests, one AssumeRole each (mean)',
        baseline: 'direct SDK AssumeRole to the same sts-local',
        value: missRatio.mean,
        target: null,
        detail: `+${added.mean.toFixed(2)} ms mean (${brokerLatency.mean.toFixed(2)} against ${directLatency.mean.toFixed(2)} ms), +${added.p50.toFixed(2)} ms p50`,
      },
    ]);
    console.log(`Summary written to ${summary}`);
  } finally {
    await load.close();
    if (bare !== undefined) {
      const server = bare;
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
    await cached.stop();
    await uncached.stop();
    await sts.close();
    rmSync(AUDIT_DIRECTORY, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
