import { execFile } from 'node:child_process';
import { realpath, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort, makeTempDir, requireBinary, sleep, startProcess, type RunningProcess } from './processes';

/**
 * Redis Sentinel and Redis Cluster for the store's tests: every process a
 * real redis-server on a free loopback port with its files in a temp dir.
 * The harness talks to them with redis-cli, not with the client library the
 * tests exercise.
 */

const run = promisify(execFile);
const HOST = '127.0.0.1';
const INSTALL_HINT = 'apt-get install -y redis-server';
const MASTER_NAME = 'fedgate';
/** How long Sentinels wait before calling a silent primary down; short, so failover tests are quick. */
const DOWN_AFTER_MS = 1_000;
const READY_TIMEOUT_MS = 20_000;

export interface RedisNode {
  readonly port: number;
  readonly address: string;
  readonly process: RunningProcess;
}

async function redisCli(
  port: number,
  args: readonly string[],
  password?: string,
  timeoutMs = 5_000,
): Promise<string> {
  const cli = requireBinary('redis-cli', INSTALL_HINT);
  const auth = password === undefined ? [] : ['--no-auth-warning', '-a', password];
  try {
    const { stdout } = await run(cli, ['-h', HOST, '-p', String(port), ...auth, ...args], {
      timeout: timeoutMs,
    });
    return stdout.trim();
  } catch (error) {
    // redis-cli reports cluster errors on stdout: keep it in the failure.
    const output = (error as { stdout?: string }).stdout ?? '';
    throw new Error(
      `redis-cli ${args.join(' ')}: ${error instanceof Error ? error.message : String(error)}\n${output}`,
    );
  }
}

async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) {
      return;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function startNode(
  dir: string,
  name: string,
  port: number,
  lines: readonly string[],
  sentinel = false,
): Promise<RedisNode> {
  const config = join(dir, `${name}.conf`);
  await writeFile(
    config,
    [
      `port ${port}`,
      `bind ${HOST}`,
      'daemonize no',
      'save ""',
      'appendonly no',
      `dir "${dir}"`,
      'logfile ""',
      ...lines,
      '',
    ].join('\n'),
  );
  const process = await startProcess({
    command: requireBinary('redis-server', INSTALL_HINT),
    args: sentinel ? [config, '--sentinel'] : [config],
    cwd: dir,
    ready: async () => (await redisCli(port, ['PING'], sentinel ? undefined : passwordOf(lines))) === 'PONG',
  });
  return { port, address: `${HOST}:${port}`, process };
}

function passwordOf(lines: readonly string[]): string | undefined {
  return lines.find((line) => line.startsWith('requirepass '))?.slice('requirepass '.length);
}

export interface RedisSentinelSetup {
  readonly masterName: string;
  /** `host:port` of each Sentinel, as the store's config lists them. */
  readonly sentinels: string[];
  readonly primary: RedisNode;
  readonly replica: RedisNode;
  readonly password: string | undefined;
  /** Waits until the replica has every write the primary acknowledged. */
  syncReplica(): Promise<void>;
  /** The `host:port` the Sentinels currently name as primary. */
  currentPrimary(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A primary, one replica and three Sentinels (quorum 2) watching them,
 * optionally with a password on the data nodes. Resolves once every Sentinel
 * knows the others and could authorize a failover.
 */
export async function startRedisSentinel(options: { password?: string } = {}): Promise<RedisSentinelSetup> {
  const dir = await realpath(await makeTempDir('fedgate-sentinel-'));
  const started: RedisNode[] = [];
  const auth =
    options.password === undefined
      ? []
      : [`requirepass ${options.password}`, `masterauth ${options.password}`];
  try {
    const primary = await startNode(dir, 'primary', await freePort(), auth);
    started.push(primary);
    const replica = await startNode(dir, 'replica', await freePort(), [
      ...auth,
      `replicaof ${HOST} ${primary.port}`,
    ]);
    started.push(replica);
    await until('the replica to sync', async () =>
      (await redisCli(replica.port, ['INFO', 'replication'], options.password)).includes(
        'master_link_status:up',
      ),
    );
    const sentinels: RedisNode[] = [];
    for (const index of [1, 2, 3]) {
      const lines = [
        `sentinel monitor ${MASTER_NAME} ${HOST} ${primary.port} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
        `sentinel failover-timeout ${MASTER_NAME} 10000`,
        ...(options.password === undefined ? [] : [`sentinel auth-pass ${MASTER_NAME} ${options.password}`]),
      ];
      const sentinel = await startNode(dir, `sentinel-${index}`, await freePort(), lines, true);
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    for (const sentinel of sentinels) {
      await until(`sentinel ${sentinel.address} to reach quorum`, async () =>
        (await redisCli(sentinel.port, ['SENTINEL', 'CKQUORUM', MASTER_NAME])).startsWith('OK'),
      );
    }
    return {
      masterName: MASTER_NAME,
      sentinels: sentinels.map((sentinel) => sentinel.address),
      primary,
      replica,
      password: options.password,
      syncReplica: async () => {
        const reply = await redisCli(primary.port, ['WAIT', '1', '5000'], options.password);
        if (reply !== '1') {
          throw new Error(`the replica did not acknowledge the writes (WAIT answered ${reply})`);
        }
      },
      currentPrimary: async () => {
        const [host, port] = (
          await redisCli(sentinels[0]!.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME])
        ).split('\n');
        return `${host}:${port}`;
      },
      stop: () => stopAll(started, dir),
    };
  } catch (error) {
    await stopAll(started, dir);
    throw error;
  }
}

export interface RedisClusterSetup {
  /** `host:port` of every node, as the store's config may list them. */
  readonly nodes: string[];
  stop(): Promise<void>;
}

/** A port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await freePort();
    if (port + 10_000 <= 65_535 && (await portIsFree(port + 10_000))) {
      return port;
    }
  }
  throw new Error('found no free port with room for its cluster bus port');
}

/** Whether a TCP port on the loopback address can be bound right now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => {
      resolve(false);
    });
    probe.listen(port, HOST, () => {
      probe.close(() => {
        resolve(true);
      });
    });
  });
}

/** Three primaries sharing the 16384 slots, created with redis-cli --cluster create. */
export async function startRedisCluster(): Promise<RedisClusterSetup> {
  const dir = await realpath(await makeTempDir('fedgate-cluster-'));
  const started: RedisNode[] = [];
  try {
    for (const index of [1, 2, 3]) {
      started.push(
        await startNode(dir, `node-${index}`, await freeClusterPort(), [
          'cluster-enabled yes',
          `cluster-config-file "nodes-${index}.conf"`,
          'cluster-node-timeout 2000',
        ]),
      );
    }
    // Creating the cluster waits until every node agrees on the slots: slow on a busy machine.
    await redisCli(
      started[0]!.port,
      ['--cluster', 'create', ...started.map((node) => node.address), '--cluster-yes'],
      undefined,
      60_000,
    );
    for (const node of started) {
      await until(`cluster node ${node.address} to be ok`, async () =>
        (await redisCli(node.port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'),
      );
    }
    return { nodes: started.map((node) => node.address), stop: () => stopAll(started, dir) };
  } catch (error) {
    await stopAll(started, dir);
    throw error;
  }
}

async function stopAll(nodes: readonly RedisNode[], dir: string): Promise<void> {
  await Promise.all(nodes.map((node) => node.process.stop()));
  await rm(dir, { recursive: true, force: true });
}
