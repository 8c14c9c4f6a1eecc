import { randomUUID } from 'node:crypto';

import { FedgateError } from '@fedgate/core';
import { createStore, storeConfigFromSection, storeConfigSchema, type Store } from '@fedgate/store';
import { Redis } from 'ioredis';

import { describeStoreContract } from '../../libs/store/src/store.contract';
import { sleep } from '../harness/processes';
import {
  startRedisCluster,
  startRedisSentinel,
  type RedisClusterSetup,
  type RedisSentinelSetup,
} from '../harness/redis-topologies';

// Starting a Sentinel group or a Cluster takes seconds; failover takes a few more.
jest.setTimeout(60_000);

const PASSWORD = `sentinel-test-${randomUUID()}`;

/** The store a config file's `store` section builds: parsed by its schema, as the broker does. */
function storeFromSection(section: unknown): Promise<Store> {
  return createStore(storeConfigFromSection(storeConfigSchema.parse(section)));
}

describe('the store section', () => {
  it.each([
    ['no topology', { type: 'redis' }],
    ['two topologies', { type: 'redis', url: 'redis://a:6379', cluster: { nodes: ['b:6379'] } }],
    ['a password beside a url', { type: 'redis', url: 'redis://a:6379', password: 'x' }],
    ['a node without a port', { type: 'redis', cluster: { nodes: ['redis-1'] } }],
    ['a port out of range', { type: 'redis', sentinel: { masterName: 'm', nodes: ['s:99999'] } }],
    ['a sentinel without its master name', { type: 'redis', sentinel: { nodes: ['s:26379'] } }],
  ])('refuses %s with a message', (_case, section) => {
    const result = storeConfigSchema.safeParse(section);
    expect(result.success).toBe(false);
    expect(result.error?.issues.every((issue) => issue.message.length > 0)).toBe(true);
  });

  it('takes sentinel and cluster topologies with their auth', () => {
    expect(
      storeConfigFromSection(
        storeConfigSchema.parse({
          type: 'redis',
          sentinel: { masterName: 'm', nodes: ['[::1]:26379', 's2:26379'] },
          password: 'p',
          tls: { ca: 'PEM' },
        }),
      ),
    ).toEqual({
      type: 'redis',
      keyPrefix: 'fedgate:',
      connectTimeoutMs: 5000,
      sentinel: { masterName: 'm', nodes: ['[::1]:26379', 's2:26379'] },
      username: undefined,
      password: 'p',
      tls: { ca: 'PEM' },
    });
  });
});

describe('RedisStore through Sentinel', () => {
  let setup: RedisSentinelSetup;
  const section = (keyPrefix: string) => ({
    type: 'redis',
    sentinel: { masterName: setup.masterName, nodes: setup.sentinels },
    password: PASSWORD,
    keyPrefix,
    connectTimeout: 2,
  });

  beforeAll(async () => {
    setup = await startRedisSentinel({ password: PASSWORD });
  });

  afterAll(async () => {
    await setup.stop();
  });

  describeStoreContract('RedisStore (Sentinel)', async ({ keyPrefix }) => {
    const store = await storeFromSection(section(keyPrefix));
    return { store, cleanup: () => store.close() };
  });

  it('refuses a wrong password when connecting', async () => {
    await expect(
      storeFromSection({ ...section('wrong:'), password: 'not-the-password' }),
    ).rejects.toMatchObject({
      code: 'store_unavailable',
    });
  });

  // Last: it turns the replica into the primary.
  it('fails closed while the primary fails over, then serves from the new primary with no session lost', async () => {
    const store = await storeFromSection(section(`failover:${randomUUID()}:`));
    try {
      await store.set('session:kept', 'identity', 60_000);
      await setup.syncReplica();
      const before = await setup.currentPrimary();
      await setup.primary.process.kill();

      const outcomes: string[] = [];
      const deadline = Date.now() + 45_000;
      let recovered = false;
      while (!recovered && Date.now() < deadline) {
        try {
          await store.set('probe', String(Date.now()), 60_000);
          recovered = (await setup.currentPrimary()) !== before;
          outcomes.push(recovered ? 'served' : 'served-old');
        } catch (error) {
          expect(error).toBeInstanceOf(FedgateError);
          expect(error).toMatchObject({ code: 'store_unavailable' });
          outcomes.push('unavailable');
        }
        await sleep(250);
      }
      expect(recovered).toBe(true);
      expect(outcomes).toContain('unavailable');
      expect(await setup.currentPrimary()).toBe(setup.replica.address);
      expect(await store.get('session:kept')).toBe('identity');
    } finally {
      await store.close();
    }
  });
});

describe('RedisStore on a Cluster', () => {
  let cluster: RedisClusterSetup;

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });

  afterAll(async () => {
    await cluster.stop();
  });

  describeStoreContract('RedisStore (Cluster)', async ({ keyPrefix }) => {
    const store = await storeFromSection({ type: 'redis', cluster: { nodes: cluster.nodes }, keyPrefix });
    return { store, cleanup: () => store.close() };
  });

  it('counts throttles whose counters live on different nodes, never past a limit', async () => {
    const prefix = `spread:${randomUUID()}:`;
    // Two clients, each told of one node only: they find the others themselves.
    const [a, b] = await Promise.all(
      cluster.nodes
        .slice(0, 2)
        .map((node) => storeFromSection({ type: 'redis', cluster: { nodes: [node] }, keyPrefix: prefix })),
    );
    try {
      // Keys chosen to hash to different slots: the per-account, per-client and shared counters of a login.
      const counters = (index: number) => [
        { key: `account:${index % 3}`, limit: 100, ttlMs: 60_000, window: 'fixed' as const },
        { key: `client:${index % 5}`, limit: 100, ttlMs: 60_000, window: 'fixed' as const },
        { key: 'everyone', limit: 9, ttlMs: 60_000, window: 'fixed' as const },
      ];
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, index) =>
          (index % 2 === 0 ? a! : b!).incrementBelowLimits(counters(index)),
        ),
      );
      expect(results.filter((result) => result.taken)).toHaveLength(9);
      expect(await a!.get('everyone')).toBe('9');
      const accounts = await Promise.all([0, 1, 2].map((index) => a!.get(`account:${index}`)));
      expect(accounts.reduce((sum, value) => sum + Number(value ?? 0), 0)).toBe(9);
    } finally {
      await Promise.all([a, b].map((store) => store!.close()));
    }
  });

  it('takes and gives back counters across nodes after SCRIPT FLUSH on every node', async () => {
    const store = await storeFromSection({
      type: 'redis',
      cluster: { nodes: cluster.nodes },
      keyPrefix: `flushed:${randomUUID()}:`,
    });
    const nodes = cluster.nodes.map((node) => new Redis(`redis://${node}`));
    try {
      const counters = [
        { key: 'account', limit: 100, ttlMs: 60_000, window: 'fixed' as const },
        { key: 'everyone', limit: 1, ttlMs: 60_000, window: 'fixed' as const },
      ];
      expect(await store.incrementBelowLimits(counters)).toEqual({ taken: true, counts: [1, 1] });
      // Refused at 'everyone': 'account' is taken, then given back (the give-back script).
      expect(await store.incrementBelowLimits(counters)).toMatchObject({ taken: false, full: 1 });

      await Promise.all(nodes.map(async (node) => node.script('FLUSH').then(() => node.config('RESETSTAT'))));

      expect(await store.incrementBelowLimits(counters)).toMatchObject({ taken: false, full: 1 });
      expect(await store.get('account')).toBe('1');
      expect(await store.increment('plain', 60_000)).toBe(1);
      // At least the take and the give-back on 'account' met NOSCRIPT, and were sent again in full.
      const noScripts = await Promise.all(
        nodes.map(async (node) => {
          const line = (await node.info('commandstats'))
            .split('\r\n')
            .find((entry) => entry.startsWith('cmdstat_evalsha:'));
          return Number(/failed_calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
        }),
      );
      expect(noScripts.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(2);
    } finally {
      await Promise.all(nodes.map((node) => node.quit()));
      await store.close();
    }
  });
});
