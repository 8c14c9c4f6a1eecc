/**
 * The issuance bench's load generator, in its own worker thread so that it
 * does not share an event loop with the servers it measures (the main
 * thread runs the broker, sts-local and the bare baseline server). The main
 * thread sends one task at a time and waits for its answer.
 */
import { Agent, request } from 'node:http';
import { parentPort } from 'node:worker_threads';
import autocannon from 'autocannon';
import { AssumeRoleCommand, type AssumeRoleCommandInput, type STSClient } from '@aws-sdk/client-sts';
import type { BackendConfig } from '@fedgate/broker-config';
import { createStsClient } from '@fedgate/issuance';

/** Requests per second with autocannon: `connections` keep-alive connections for `seconds`. */
export interface ThroughputTask {
  kind: 'throughput';
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  seconds: number;
  /** Every response must carry exactly these bytes (autocannon counts the others as mismatches). */
  expectBody: string;
}

/** `count` sequential POSTs on one keep-alive connection, each timed. */
export interface HttpSequenceTask {
  kind: 'http-sequence';
  url: string;
  headers: Record<string, string>;
  body: string;
  count: number;
  /** Unmeasured calls first. */
  warmup: number;
}

/** `count` sequential AssumeRole calls with the broker's own SDK client setup, each timed. */
export interface SdkSequenceTask {
  kind: 'sdk-sequence';
  backend: BackendConfig;
  input: AssumeRoleCommandInput;
  count: number;
  /** Unmeasured calls first. */
  warmup: number;
}

export type LoadTask = ThroughputTask | HttpSequenceTask | SdkSequenceTask;

export interface ThroughputResult {
  requestsPerSecond: number;
  total: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

export interface SequenceResult {
  /** One duration per call, in milliseconds (microsecond resolution). */
  durationsMs: number[];
}

export type LoadMessage =
  { ok: true; result: ThroughputResult | SequenceResult } | { ok: false; error: string };

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const stsClients = new Map<string, STSClient>();

async function throughput(task: ThroughputTask): Promise<ThroughputResult> {
  const options = {
    url: task.url,
    method: 'POST',
    headers: task.headers,
    body: task.body,
    connections: task.connections,
    pipelining: 1,
    duration: task.seconds,
    expectBody: task.expectBody,
  };
  // Off the main thread autocannon answers its raw result; aggregating it is a documented call.
  const raw = await autocannon({ ...options, skipAggregateResult: true });
  const result = autocannon.aggregateResult([raw], options);
  const failures = result.errors + result.timeouts + result.non2xx + result.mismatches;
  if (failures > 0) {
    throw new Error(
      `${task.url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx, ${result.mismatches} bodies that differ`,
    );
  }
  return {
    requestsPerSecond: result.requests.total / result.duration,
    total: result.requests.total,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

function post(task: HttpSequenceTask): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = request(task.url, { method: 'POST', headers: task.headers, agent }, (response) => {
      response.resume();
      response.on('error', reject);
      response.on('end', () => {
        if (response.statusCode === 200) {
          resolve();
        } else {
          reject(new Error(`${task.url}: status ${response.statusCode}`));
        }
      });
    });
    outgoing.on('error', reject);
    outgoing.end(task.body);
  });
}

async function timed(count: number, warmup: number, call: () => Promise<unknown>): Promise<SequenceResult> {
  for (let i = 0; i < warmup; i += 1) {
    await call();
  }
  const durationsMs: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = process.hrtime.bigint();
    await call();
    durationsMs.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { durationsMs };
}

function stsClient(backend: BackendConfig): STSClient {
  let client = stsClients.get(backend.id);
  if (client === undefined) {
    client = createStsClient(backend);
    stsClients.set(backend.id, client);
  }
  return client;
}

async function run(task: LoadTask): Promise<ThroughputResult | SequenceResult> {
  switch (task.kind) {
    case 'throughput':
      return throughput(task);
    case 'http-sequence':
      return timed(task.count, task.warmup, () => post(task));
    case 'sdk-sequence': {
      const client = stsClient(task.backend);
      return timed(task.count, task.warmup, async () => {
        const answer = await client.send(new AssumeRoleCommand(task.input));
        if (answer.Credentials?.SessionToken === undefined) {
          throw new Error('AssumeRole returned no credentials');
        }
      });
    }
  }
}

const port = parentPort;
if (port === null) {
  throw new Error('load-worker.js runs as a worker thread of issuance.bench.js');
}
port.on('message', (task: LoadTask | 'close') => {
  if (task === 'close') {
    agent.destroy();
    for (const client of stsClients.values()) {
      client.destroy();
    }
    port.close();
    return;
  }
  run(task).then(
    (result) => {
      port.postMessage({ ok: true, result } satisfies LoadMessage);
    },
    (error: unknown) => {
      port.postMessage({
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      } satisfies LoadMessage);
    },
  );
});
