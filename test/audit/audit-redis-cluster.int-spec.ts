/**
 * The audit stream on a Redis Cluster: the append script touches one key (the stream is its own
 * chain head), so it runs on the stream's node, and two writers still make one unbroken chain.
 */
import { Cluster } from 'ioredis';
import { auditConfigSchema, RedisAuditStream, verifyChainLines } from '@fedgate/audit';
import { startRedisCluster, type RedisClusterSetup } from '../harness/redis-topologies';

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
  });
});
