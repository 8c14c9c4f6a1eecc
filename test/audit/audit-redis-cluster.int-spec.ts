/**
 * The audit stream on a Redis Cluster: the append script touches one key (the stream is its own
 * chain head), so it runs on the stream's node, and two writers still make one unbroken chain.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { auditConfigSchema, RedisAuditStream, verifyChainLines } from '@fedgate/audit';
import { runCli } from '../../apps/cli/src/program';
import { brokerYaml, env } from '../broker/issuance-fixture';
import { makeTempDir } from '../harness/processes';
import { startRedisCluster, type RedisClusterSetup } from '../harness/redis-topologies';

async function fedgate(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdin: process.stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd,
  });
  return { code, stdout, stderr };
}

// Creating a Cluster takes seconds on a busy machine.
jest.setTimeout(90_000);

describe('the audit stream on a Redis Cluster', () => {
  let cluster: RedisClusterSetup;

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it('makes one chain of two writers appending at once', async () => {
    const parsed = auditConfigSchema.parse({
      output: 'redis',
      redis: { cluster: { nodes: cluster.nodes }, stream: 'audit:{cluster-test}' },
    });
    if (parsed.output !== 'redis') {
      throw new Error('expected the redis output');
    }
    const writes: Promise<void>[] = [];
    const hooks = { onWrite: (written: Promise<void>) => writes.push(written) };
    const writers = [
      await RedisAuditStream.open(parsed.redis, hooks),
      await RedisAuditStream.open(parsed.redis, hooks),
    ];
    for (let index = 0; index < 40; index += 1) {
      for (const [number, writer] of writers.entries()) {
        writer.record({ event: 'issue_credentials', outcome: 'success', writer: number, n: index });
      }
    }
    await Promise.all(writes);
    await Promise.all(writers.map((writer) => writer.close()));

    const reader = new Cluster(
      cluster.nodes.map((node) => ({ host: node.split(':')[0]!, port: Number(node.split(':')[1]) })),
    );
    try {
      const lines = (await reader.xrange('audit:{cluster-test}', '-', '+')).map(
        ([, fields]) => fields[1] ?? '',
      );
      expect(lines).toHaveLength(80);
      expect(verifyChainLines(lines)).toMatchObject({ ok: true, lines: 80, last: { seq: 80 } });
    } finally {
      reader.disconnect();
    }

    // fedgate audit verify --config reads it over the broker config's own audit.redis (a Cluster here).
    const dir = await makeTempDir('fedgate-audit-cluster-');
    try {
      const audit = `audit: { output: redis, redis: { cluster: { nodes: [${cluster.nodes.join(', ')}] }, stream: 'audit:{cluster-test}' } }\n`;
      writeFileSync(
        join(dir, 'fedgate.yaml'),
        await brokerYaml('http://127.0.0.1:8080', 'http://127.0.0.1:9', audit),
      );
      expect(await fedgate(['audit', 'verify', '--config', 'fedgate.yaml'], dir)).toEqual({
        code: 0,
        stdout: 'audit:{cluster-test}: 80 entries, chain intact (last seq 80)\n',
        stderr: '',
      });
      writeFileSync(
        join(dir, 'stdout.yaml'),
        await brokerYaml('http://127.0.0.1:8080', 'http://127.0.0.1:9'),
      );
      expect(await fedgate(['audit', 'verify', '--config', 'stdout.yaml'], dir)).toEqual({
        code: 1,
        stdout: '',
        stderr: 'fedgate: stdout.yaml sends the audit stream to stdout, not to Redis\n',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
