import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';

import { FedgateError } from '@fedgate/core';
import { createRedisClient, failClosedClientOptions, RedisStore, type RedisTopology } from '@fedgate/store';
import { Redis } from 'ioredis';

import { parseNodeAddress } from '../../libs/store/src/redis-topology';
import { sleep } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import {
  startRedisCluster,
  startRedisSentinel,
  type RedisClusterSetup,
  type RedisSentinelSetup,
} from '../harness/redis-topologies';

// A connection that drops after Redis ran a script but before its reply arrived: the client cannot
// know whether the script ran, so the store must fail the call, never send the script again (a
// second run would count a login attempt or a rate-limited request twice).

jest.setTimeout(60_000);

const HOST = '127.0.0.1';

/**
 * Shared by the proxies of one topology: armed with a marker, the first request carrying it,
 * through whichever proxy, has its connection dropped; one drop in all.
 */
class DropTrigger {
  private marker: string | undefined;
  /** Connections dropped since arm() after their request reached the server. */
  drops = 0;

  arm(marker: string): void {
    this.marker = marker;
    this.drops = 0;
  }

  disarm(): void {
    this.marker = undefined;
  }

  /** Whether this request is the one to drop; disarms when it is. */
  fires(request: string): boolean {
    if (this.marker === undefined || !request.includes(this.marker)) {
      return false;
    }
    this.marker = undefined;
    return true;
  }
}

/**
 * A TCP proxy in front of one Redis server. The request its trigger fires on is forwarded to the
 * server, and the connection is dropped (both sides) when the server's first reply bytes come back,
 * which Redis writes only after it ran every command it read.
 */
interface ReplyDropper {
  readonly port: number;
  readonly address: string;
  /** How many requests carrying the marker reached the server. */
  requestsWith(marker: string): number;
  close(): Promise<void>;
}

async function startReplyDropper(
  target: { host: string; port: number },
  trigger: DropTrigger,
): Promise<ReplyDropper> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  const server: Server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    let dropAtReply = false;
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      requests.push(text);
      if (trigger.fires(text)) {
        dropAtReply = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (dropAtReply) {
        trigger.drops += 1;
        closeBoth();
        return;
      }
      client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', closeBoth);
      socket.on('close', closeBoth);
    }
  });
  await new Promise<void>((resolve) => {
    server.listen(0, HOST, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('the proxy has no TCP address');
  }
  return {
    port: address.port,
    address: `${HOST}:${address.port}`,
    requestsWith: (marker) => requests.filter((request) => request.includes(marker)).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A store on the topology, as RedisStore.open builds it, with or without auto-pipelining. */
async function openStore(
  topology: RedisTopology,
  keyPrefix: string,
  autoPipelining: boolean,
): Promise<RedisStore> {
  const client = createRedisClient(topology, {
    ...failClosedClientOptions(),
    enableAutoPipelining: autoPipelining,
  });
  const store = new RedisStore(client, { keyPrefix });
  await client.connect();
  return store;
}

/**
 * Reads the key once the store serves it again: while a client reconnects it refuses calls at once
 * (fail-closed, no offline queue), and a Cluster client may answer MOVED until it has asked the
 * cluster for its slots again. get() only reads, so trying it again changes nothing.
 */
async function readWhenServing(store: RedisStore, key: string): Promise<string | null> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      return await store.get(key);
    } catch {
      await sleep(100);
    }
  }
  throw new Error('the store did not serve again after the dropped connection');
}

/**
 * The store's counting calls, each run once with its connection dropped after the request reached
 * Redis: the call fails with 'store_unavailable', the counter moved exactly once, and the next call
 * counts on from there.
 */
function describeDroppedReplies(
  name: string,
  setup: () => { topology: RedisTopology; trigger: DropTrigger; droppers: readonly ReplyDropper[] },
): void {
  const cases = [
    {
      operation: 'increment',
      count: (store: RedisStore, key: string) => store.increment(key, 60_000),
      next: 2,
    },
    {
      operation: 'incrementBelowLimits',
      count: async (store: RedisStore, key: string) =>
        (await store.incrementBelowLimits([{ key, limit: 10, ttlMs: 60_000, window: 'fixed' }])).taken,
      next: true,
    },
  ];
  describe.each([true, false])(`${name}, auto-pipelining %s`, (autoPipelining) => {
    it.each(cases)('$operation fails closed and counts once', async ({ count, next }) => {
      const { topology, trigger, droppers } = setup();
      const prefix = `dropped:${randomUUID()}:`;
      const store = await openStore(topology, prefix, autoPipelining);
      try {
        const marker = `${prefix}counter`;
        // The script is on every connection before the one that matters, so the dropped request is
        // the EVALSHA itself, and the key's connection is open and ready.
        await store.increment('warm-up', 60_000);
        trigger.arm(marker);

        const outcome = await count(store, 'counter').then(
          (answer) => ({ answer }),
          (error: unknown) => ({ error }),
        );

        // The call has settled: nothing of it is left to be sent. Redis ran it once, and only once.
        trigger.disarm();
        const sent = droppers.reduce((sum, dropper) => sum + dropper.requestsWith(marker), 0);
        expect(trigger.drops).toBe(1);
        expect(await readWhenServing(store, 'counter')).toBe('1');
        expect(sent).toBe(1);
        // ...and the caller was told it failed, rather than answered as if it had run once.
        expect('error' in outcome ? outcome.error : outcome).toBeInstanceOf(FedgateError);
        expect(outcome).toMatchObject({ error: { code: 'store_unavailable' } });
        expect(await count(store, 'counter')).toBe(next);
        expect(await store.get('counter')).toBe('2');
      } finally {
        trigger.disarm();
        await store.close();
      }
    });
  });
}

describe('a reply lost when the connection drops, on one server', () => {
  const trigger = new DropTrigger();
  let redis: RedisServer;
  let dropper: ReplyDropper;

  beforeAll(async () => {
    redis = await startRedis();
    dropper = await startReplyDropper({ host: redis.host, port: redis.port }, trigger);
  });

  afterAll(async () => {
    await dropper.close();
    await redis.stop();
  });

  describeDroppedReplies('standalone', () => ({
    topology: { url: `redis://${dropper.address}` },
    trigger,
    droppers: [dropper],
  }));
});

describe('a reply lost when the connection drops, through Sentinel', () => {
  const trigger = new DropTrigger();
  let sentinel: RedisSentinelSetup;
  let dropper: ReplyDropper;

  beforeAll(async () => {
    sentinel = await startRedisSentinel();
    dropper = await startReplyDropper(parseNodeAddress(sentinel.primary.address), trigger);
    // The Sentinels watch the primary through the proxy, so they name the proxy as the primary.
    const sentinels = sentinel.sentinels.map(
      (node) => new Redis({ ...parseNodeAddress(node), lazyConnect: true }),
    );
    try {
      for (const node of sentinels) {
        await node.call('SENTINEL', 'REMOVE', sentinel.masterName);
        await node.call('SENTINEL', 'MONITOR', sentinel.masterName, HOST, String(dropper.port), '2');
      }
      const deadline = Date.now() + 20_000;
      while ((await sentinel.currentPrimary()) !== dropper.address) {
        if (Date.now() > deadline) {
          throw new Error('the Sentinels never named the proxy as the primary');
        }
        await sleep(200);
      }
    } finally {
      // Sentinels do not know QUIT.
      for (const node of sentinels) {
        node.disconnect();
      }
    }
  });

  afterAll(async () => {
    await dropper.close();
    await sentinel.stop();
  });

  describeDroppedReplies('Sentinel', () => ({
    topology: { sentinel: { masterName: sentinel.masterName, nodes: sentinel.sentinels } },
    trigger,
    droppers: [dropper],
  }));
});

describe('a reply lost when the connection drops, on a Cluster', () => {
  let cluster: RedisClusterSetup;
  const trigger = new DropTrigger();
  let droppers: ReplyDropper[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster();
    droppers = await Promise.all(
      cluster.nodes.map((node) => startReplyDropper(parseNodeAddress(node), trigger)),
    );
    // Every node announces its proxy's port, so the client reaches each node through its proxy.
    const nodes = cluster.nodes.map((node) => new Redis({ ...parseNodeAddress(node), lazyConnect: true }));
    try {
      await Promise.all(
        nodes.map((node, index) =>
          node.config('SET', 'cluster-announce-port', String(droppers[index]!.port)),
        ),
      );
      const proxyPorts = droppers.map((dropper) => String(dropper.port));
      const deadline = Date.now() + 20_000;
      let agreed = false;
      while (!agreed && Date.now() < deadline) {
        const views = await Promise.all(nodes.map((node) => node.call('CLUSTER', 'NODES')));
        agreed = views.every((view) => proxyPorts.every((port) => String(view).includes(`:${port}@`)));
        if (!agreed) {
          await sleep(200);
        }
      }
      if (!agreed) {
        throw new Error('the cluster nodes never all announced their proxy ports');
      }
    } finally {
      await Promise.all(nodes.map((node) => node.quit()));
    }
  });

  afterAll(async () => {
    await Promise.all(droppers.map((dropper) => dropper.close()));
    await cluster.stop();
  });

  describeDroppedReplies('Cluster', () => ({
    topology: { cluster: { nodes: droppers.map((dropper) => dropper.address) } },
    trigger,
    droppers,
  }));
});
