import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';

import { FedgateError } from '@fedgate/core';
import { createStore, failClosedClientOptions, RedisStore, type Store } from '@fedgate/store';
import { Redis } from 'ioredis';

import { describeStoreContract } from '../../libs/store/src/store.contract';
import { freePort, sleep } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';

// Starting servers takes longer than the default 5 s test timeout allows on a busy machine; the
// "bounded time" assertions below, not this, are what catch a hang.
jest.setTimeout(30_000);

/** Generous next to the timeouts below, small next to "hangs". */
const BOUNDED_MS = 4_000;
const CONNECT_TIMEOUT_MS = 1_000;
const COMMAND_TIMEOUT_MS = 1_000;

/** Awaits the rejection and returns it, failing the test if the promise resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** Asserts a 'store_unavailable' failure that arrived in bounded time, and returns it. */
async function expectUnavailableWithinBound(promise: Promise<unknown>): Promise<FedgateError> {
  const started = Date.now();
  const error = await rejectionOf(promise);
  expect(Date.now() - started).toBeLessThan(BOUNDED_MS);
  expect(error).toBeInstanceOf(FedgateError);
  expect(error).toMatchObject({ code: 'store_unavailable', message: 'The session store is unreachable' });
  return error as FedgateError;
}

/** Everything an operator could see of an error: message, stack, detail and the whole cause chain. */
function everythingIn(error: unknown): string {
  return inspect(error, { depth: 10, showHidden: true });
}

function connect(server: RedisServer, keyPrefix: string): Promise<RedisStore> {
  return RedisStore.connect({
    url: server.url,
    keyPrefix,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
  });
}

describe('RedisStore against a real redis-server', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await redis.stop();
  });

  describeStoreContract('RedisStore', async ({ keyPrefix }) => {
    const store = await connect(redis, keyPrefix);
    return { store, cleanup: () => store.close() };
  });

  describe('what it writes to Redis', () => {
    let raw: Redis;
    let store: RedisStore;
    const prefix = `layout:${randomUUID()}:`;

    beforeEach(async () => {
      raw = new Redis(redis.url, { lazyConnect: true });
      await raw.connect();
      store = await connect(redis, prefix);
    });

    afterEach(async () => {
      await store.close();
      await raw.quit();
    });

    it('puts every key under the prefix, and never without a TTL', async () => {
      await store.set('a', 'v', 60_000);
      await store.setIfAbsent('b', 'v', 60_000);
      await store.increment('n', 60_000);
      await store.acquireLock('L', 60_000);

      const keys = (await raw.keys(`${prefix}*`)).sort();
      expect(keys).toEqual([`${prefix}a`, `${prefix}b`, `${prefix}lock:L`, `${prefix}n`]);
      for (const key of keys) {
        const remaining = await raw.pttl(key);
        expect(remaining).toBeGreaterThan(0);
        expect(remaining).toBeLessThanOrEqual(60_000);
      }
    });

    it('gives a counter written without a TTL one on the next increment', async () => {
      await raw.set(`${prefix}legacy`, '7');
      expect(await store.increment('legacy', 5_000)).toBe(8);
      expect(await raw.pttl(`${prefix}legacy`)).toBeGreaterThan(0);
    });

    it('gives a fixed-window counter a TTL only where it has none, and resets an extending one', async () => {
      await raw.set(`${prefix}untimed`, '7');
      await raw.set(`${prefix}fixed`, '7', 'PX', 5_000);
      await raw.set(`${prefix}extending`, '7', 'PX', 5_000);
      const taken = await store.incrementBelowLimits([
        { key: 'untimed', limit: 100, ttlMs: 60_000, window: 'fixed' },
        { key: 'fixed', limit: 100, ttlMs: 60_000, window: 'fixed' },
        { key: 'extending', limit: 100, ttlMs: 60_000, window: 'extending' },
      ]);
      expect(taken).toEqual({ taken: true, counts: [8, 8, 8] });
      expect(await raw.pttl(`${prefix}untimed`)).toBeGreaterThan(5_000);
      expect(await raw.pttl(`${prefix}fixed`)).toBeLessThanOrEqual(5_000);
      expect(await raw.pttl(`${prefix}extending`)).toBeGreaterThan(5_000);
    });

    it('reports a key written without a TTL by someone else as living forever', async () => {
      await raw.set(`${prefix}foreign`, 'v');
      expect(await store.ttl('foreign')).toBe(Number.POSITIVE_INFINITY);
      await raw.del(`${prefix}foreign`);
    });

    it('keeps keys and values out of the error when Redis rejects a command', async () => {
      const secretKey = `session:${randomUUID()}`;
      const secretValue = `secret-${randomUUID()}`;
      await store.set(secretKey, secretValue, 60_000);
      const error = await rejectionOf(store.increment(secretKey, 60_000));
      expect(error).toMatchObject({ code: 'internal' });
      expect(everythingIn(error)).not.toContain(secretKey);
      expect(everythingIn(error)).not.toContain(secretValue);
    });
  });

  describe('many calls issued in one turn', () => {
    let client: Redis;
    let store: RedisStore;

    beforeEach(async () => {
      client = new Redis(
        redis.url,
        failClosedClientOptions({
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
          commandTimeoutMs: COMMAND_TIMEOUT_MS,
        }),
      );
      store = new RedisStore(client, { keyPrefix: `turn:${randomUUID()}:` });
      await client.connect();
    });

    afterEach(async () => {
      await store.close();
    });

    it('each get their own answer, and leave in one write', async () => {
      // Calls through to the socket: only counts the writes.
      const writes = jest.spyOn(client.stream, 'write');
      const keys = Array.from({ length: 10 }, (_, index) => `value:${index}`);
      const [, values, hits, seats, claims, claimed] = await Promise.all([
        Promise.all(keys.map((key) => store.set(key, `${key}-content`, 60_000))),
        Promise.all(keys.map((key) => store.get(key))),
        Promise.all(keys.map(() => store.increment('hits', 60_000))),
        Promise.all(
          Array.from({ length: 8 }, () =>
            store.incrementBelowLimits([{ key: 'seats', limit: 5, ttlMs: 60_000, window: 'fixed' }]),
          ),
        ),
        Promise.all(['a', 'b', 'c'].map((claimant) => store.setIfAbsent('claim', claimant, 60_000))),
        store.get('claim'),
      ]);

      expect(writes).toHaveBeenCalledTimes(1);
      expect(values).toEqual(keys.map((key) => `${key}-content`));
      expect([...hits].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, index) => index + 1));
      expect(seats.filter((seat) => seat.taken)).toEqual(
        [1, 2, 3, 4, 5].map((count) => ({ taken: true, counts: [count] })),
      );
      expect(seats.filter((seat) => !seat.taken)).toHaveLength(3);
      // Redis runs the pipelined calls in the order they were made.
      expect(claims).toEqual([true, false, false]);
      expect(claimed).toBe('a');
    });
  });

  describe('createStore', () => {
    it('connects to the configured Redis', async () => {
      const keyPrefix = `create:${randomUUID()}:`;
      const store = await createStore({ type: 'redis', url: redis.url, keyPrefix, connectTimeoutMs: 1_000 });
      try {
        await store.set('k', 'v', 10_000);
        const raw = new Redis(redis.url);
        try {
          expect(await raw.get(`${keyPrefix}k`)).toBe('v');
        } finally {
          await raw.quit();
        }
      } finally {
        await store.close();
      }
    });

    it('builds a MemoryStore for type memory', async () => {
      const store = await createStore({ type: 'memory' });
      try {
        await store.set('k', 'v', 10_000);
        expect(await store.get('k')).toBe('v');
      } finally {
        await store.close();
      }
    });
  });
});

describe('RedisStore when Redis is unreachable', () => {
  it("fails connect() with 'store_unavailable' when nothing listens on the port", async () => {
    const port = await freePort();
    await expectUnavailableWithinBound(
      RedisStore.connect({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: CONNECT_TIMEOUT_MS }),
    );
    await expectUnavailableWithinBound(
      createStore({
        type: 'redis',
        url: `redis://127.0.0.1:${port}`,
        keyPrefix: 'x:',
        connectTimeoutMs: 500,
      }),
    );
  });

  it("fails ping() and get() with 'store_unavailable' when nothing listens on the port", async () => {
    const port = await freePort();
    const store = new RedisStore(
      new Redis(
        `redis://127.0.0.1:${port}`,
        failClosedClientOptions({
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
          commandTimeoutMs: COMMAND_TIMEOUT_MS,
        }),
      ),
    );
    try {
      await expectUnavailableWithinBound(store.ping());
      await expectUnavailableWithinBound(store.get('k'));
      // Give the client time to have tried and failed to connect; still no hang and the same answer.
      await sleep(300);
      const error = await expectUnavailableWithinBound(store.get('k'));
      expect(error.detail).toMatchObject({ operation: 'get' });
    } finally {
      await store.close();
    }
  });

  describe('after the server goes away mid-test', () => {
    let redis: RedisServer | undefined;
    let store: Store | undefined;

    afterEach(async () => {
      await store?.close();
      await redis?.stop();
      store = undefined;
      redis = undefined;
    });

    it("fails every operation with 'store_unavailable', without the data, and recovers when Redis is back", async () => {
      redis = await startRedis();
      store = await connect(redis, 'killed:');
      const key = `session:${randomUUID()}`;
      const value = `secret-${randomUUID()}`;
      await store.set(key, value, 60_000);
      const lock = await store.acquireLock('L', 60_000);
      expect(await store.get(key)).toBe(value);

      await redis.kill();

      const failures = [
        await expectUnavailableWithinBound(store.ping()),
        await expectUnavailableWithinBound(store.get(key)),
        await expectUnavailableWithinBound(store.set(key, value, 60_000)),
        await expectUnavailableWithinBound(store.setIfAbsent(key, value, 60_000)),
        await expectUnavailableWithinBound(store.delete(key)),
        await expectUnavailableWithinBound(store.increment('n', 60_000)),
        await expectUnavailableWithinBound(store.ttl(key)),
        await expectUnavailableWithinBound(store.acquireLock('M', 60_000)),
        await expectUnavailableWithinBound(lock!.release()),
        await expectUnavailableWithinBound(lock!.extend(60_000)),
        await expectUnavailableWithinBound(store.withLock('M', 60_000, () => Promise.resolve())),
      ];
      for (const failure of failures) {
        expect(everythingIn(failure)).not.toContain(value);
        expect(everythingIn(failure)).not.toContain(key);
      }

      const port = redis.port;
      redis = await startRedis({ port });
      const deadline = Date.now() + 15_000;
      let recovered = false;
      while (!recovered && Date.now() < deadline) {
        recovered = await store.ping().then(
          () => true,
          () => false,
        );
        if (!recovered) {
          await sleep(100);
        }
      }
      expect(recovered).toBe(true);
      // The new server started empty: nothing was persisted.
      expect(await store.get(key)).toBeNull();
    });

    it("fails a command in flight with 'store_unavailable' when the server dies under it", async () => {
      redis = await startRedis();
      store = await RedisStore.connect({ url: redis.url, keyPrefix: 'inflight:', commandTimeoutMs: 30_000 });
      process.kill(redis.pid, 'SIGSTOP');
      // Well inside the 30 s command timeout: the dropped connection itself must fail the command.
      const failed = expectUnavailableWithinBound(store.increment('n', 60_000));
      await sleep(100);
      await redis.kill();
      await failed;
    });

    it("fails every call of one turn with 'store_unavailable' once the server is gone", async () => {
      redis = await startRedis();
      store = await connect(redis, 'gone:');
      const lock = await store.acquireLock('L', 60_000);
      await redis.kill();
      const live = store;
      await Promise.all([
        expectUnavailableWithinBound(live.get('k')),
        expectUnavailableWithinBound(live.set('k', 'v', 60_000)),
        expectUnavailableWithinBound(live.increment('n', 60_000)),
        expectUnavailableWithinBound(
          live.incrementBelowLimits([{ key: 'c', limit: 5, ttlMs: 60_000, window: 'fixed' }]),
        ),
        expectUnavailableWithinBound(live.decrement('n')),
        expectUnavailableWithinBound(live.addToSet('s', 'm', 60_000)),
        expectUnavailableWithinBound(lock!.extend(60_000)),
        expectUnavailableWithinBound(lock!.release()),
        expectUnavailableWithinBound(live.ping()),
      ]);
    });

    it("fails every call of one turn in flight with 'store_unavailable' when the server dies under them", async () => {
      redis = await startRedis();
      store = await RedisStore.connect({
        url: redis.url,
        keyPrefix: 'inflight-turn:',
        commandTimeoutMs: 30_000,
      });
      process.kill(redis.pid, 'SIGSTOP');
      const live = store;
      // Well inside the 30 s command timeout: the dropped connection itself must fail them all.
      const failed = Promise.all([
        expectUnavailableWithinBound(live.get('k')),
        expectUnavailableWithinBound(live.increment('n', 60_000)),
        expectUnavailableWithinBound(
          live.incrementBelowLimits([{ key: 'c', limit: 5, ttlMs: 60_000, window: 'fixed' }]),
        ),
        expectUnavailableWithinBound(live.set('k', 'v', 60_000)),
      ]);
      await sleep(100);
      await redis.kill();
      await failed;
    });

    it('bounds by the command timeout a call made while an earlier one awaits its reply', async () => {
      redis = await startRedis();
      store = await connect(redis, 'queued:');
      process.kill(redis.pid, 'SIGSTOP');
      try {
        const first = expectUnavailableWithinBound(store.get('k'));
        await sleep(100);
        // ioredis sends this one only once the first one's batch is over; the store's bound runs from the call.
        const started = Date.now();
        await expectUnavailableWithinBound(store.increment('n', 60_000));
        const elapsed = Date.now() - started;
        expect(elapsed).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 50);
        // Waiting for the first call's timeout, then its own, would take about 1.9 timeouts.
        expect(elapsed).toBeLessThan(COMMAND_TIMEOUT_MS * 1.5);
        await first;
      } finally {
        process.kill(redis.pid, 'SIGCONT');
      }
    });

    it("times out with 'store_unavailable' when Redis accepts connections but stops answering", async () => {
      redis = await startRedis();
      store = await connect(redis, 'frozen:');
      process.kill(redis.pid, 'SIGSTOP');
      try {
        const started = Date.now();
        await expectUnavailableWithinBound(store.get('k'));
        expect(Date.now() - started).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 50);
        await expectUnavailableWithinBound(
          RedisStore.connect({ url: redis.url, connectTimeoutMs: CONNECT_TIMEOUT_MS }),
        );
      } finally {
        process.kill(redis.pid, 'SIGCONT');
      }
    });
  });
});
