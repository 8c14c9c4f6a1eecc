import { Cluster, type RedisOptions } from 'ioredis';

import { storeUnavailable } from './errors';
import { dataKey, lockKey, newLockToken } from './keys';
import { redact, translateRedisError } from './redis-errors';
import { defineStoreScripts, type StoreScripts } from './redis-scripts';
import { createRedisClient, type RedisClient, type RedisTopology } from './redis-topology';
import {
  DEFAULT_KEY_PREFIX,
  type BoundedCounter,
  type BoundedIncrement,
  type Store,
  type StoreLock,
  type WithLockOptions,
} from './store';
import { assertValidLimit, assertValidTtl, assertValidWindow } from './validation';
import { withLock } from './with-lock';

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
const MAX_RECONNECT_DELAY_MS = 2_000;
const DISCONNECT_TIMEOUT_MS = 100;

export interface RedisClientTimeouts {
  /** Bound on establishing the connection (TCP and handshake); default 5 s. */
  connectTimeoutMs?: number;
  /** Bound on every command; default 2 s. */
  commandTimeoutMs?: number;
}

export interface RedisConnectOptions extends RedisClientTimeouts {
  /** redis:// or rediss:// URL; may hold a password, so it never appears in errors. */
  url: string;
  /** Default `fedgate:`. */
  keyPrefix?: string;
}

/** RedisStore.open's options: any topology, with the same timeouts and prefix. */
export type RedisOpenOptions = RedisClientTimeouts & { keyPrefix?: string } & RedisTopology;

export interface RedisStoreOptions {
  /** Default `fedgate:`. */
  keyPrefix?: string;
  /** Bound on close()'s graceful QUIT before the socket is dropped; default 2 s. */
  closeTimeoutMs?: number;
}

/**
 * ioredis options under which no store call can hang: commands fail at once
 * while disconnected instead of queueing, every command has a timeout, and
 * commands in flight when the connection drops fail rather than being resent
 * (a resent INCR could count twice). The client keeps reconnecting in the
 * background, so the store recovers when Redis comes back. Spread these into
 * the options of any client given to RedisStore, including Sentinel ones; a
 * Cluster also needs retryDelayOnFailover: 0 (createRedisClient sets it).
 */
export function failClosedClientOptions(timeouts: RedisClientTimeouts = {}): RedisOptions {
  return {
    connectTimeout: timeouts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeout: timeouts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    lazyConnect: true,
    // How long disconnect() waits for the socket to close before destroying it. A socket the server
    // already dropped never reports closing again, so ioredis's 2 s default kept closed stores'
    // processes alive that long after a Redis outage.
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    // Commands issued in one turn of the event loop leave in one write, and Redis reads them in one
    // go: concurrent requests share syscalls. It stays fail-closed (ioredis's autoPipelining.js and
    // Pipeline.js): a batch is refused at once while disconnected (no offline queue), a dropped
    // connection fails the batch's commands, and each command's timeout starts when it is written.
    // A batch issued while the one before awaits its replies waits for it, untimed: RedisStore
    // bounds every call by commandTimeout from the call itself.
    enableAutoPipelining: true,
  };
}

/**
 * A Store in Redis, shared by every broker instance. Each operation is one
 * command or one Lua script, so the atomicity the Store interface promises
 * holds across processes. Failures surface as FedgateError('store_unavailable')
 * with the value-free cause attached; the store itself never logs.
 *
 * The store owns the client it is given and closes it in close(). The client
 * should be built with failClosedClientOptions(); RedisStore.connect() does
 * that for the standalone case.
 */
export class RedisStore implements Store {
  private readonly keyPrefix: string;
  private readonly closeTimeoutMs: number;
  private closed = false;
  private lastConnectionError: string | undefined;

  /**
   * A Cluster runs a script on the node of its keys, and the keys of one
   * multi-key call may live on different nodes.
   */
  private readonly multiKeyScripts: boolean;

  /** The store's Lua scripts, sent by hash (redis-scripts.ts). */
  private readonly scripts: StoreScripts;

  /**
   * The client's command timeout, when it auto-pipelines: ioredis starts a command's timer when it
   * writes the command, and a command issued while an earlier batch awaits its replies waits,
   * untimed, for that batch. This bound, from the call, keeps every call within the timeout.
   */
  private readonly queuedCommandTimeoutMs: number | undefined;

  constructor(
    private readonly client: RedisClient,
    options: RedisStoreOptions = {},
  ) {
    this.multiKeyScripts = !(client instanceof Cluster);
    this.scripts = defineStoreScripts(client);
    this.queuedCommandTimeoutMs = queuedCommandTimeoutMs(client);
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    // Without a listener ioredis prints connection errors to the console; we
    // keep the latest (a message such as ECONNREFUSED, no data) for error details.
    client.on('error', (error: unknown) => {
      this.lastConnectionError = redact(error).message;
    });
    client.on('ready', () => {
      this.lastConnectionError = undefined;
    });
    // A socket that drops while close() is under way can still schedule a
    // reconnect after our disconnect(); a closed store must never reconnect.
    client.on('reconnecting', () => {
      if (this.closed) {
        client.disconnect();
      }
    });
  }

  /**
   * Connects to a standalone Redis and resolves once it is ready. Rejects with
   * FedgateError('store_unavailable') if that does not happen within
   * connectTimeoutMs, leaving no connection or timer behind.
   */
  static connect(options: RedisConnectOptions): Promise<RedisStore> {
    return RedisStore.open(options);
  }

  /**
   * Connects to Redis in any topology (one server, Sentinel, Cluster) and
   * resolves once it is ready, under the same bound and errors as connect().
   */
  static async open(options: RedisOpenOptions): Promise<RedisStore> {
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const client = createRedisClient(options, failClosedClientOptions(options));
    const store = new RedisStore(client, { keyPrefix: options.keyPrefix ?? DEFAULT_KEY_PREFIX });
    try {
      // ioredis bounds the TCP connect; our own bound also covers a server
      // that accepts connections but never answers the handshake.
      await withDeadline(client.connect(), connectTimeoutMs, 'connect timed out');
    } catch (error) {
      client.disconnect();
      throw translateRedisError('connect', error);
    }
    return store;
  }

  async get(key: string): Promise<string | null> {
    const fullKey = dataKey(this.keyPrefix, key);
    return this.run('get', () => this.client.get(fullKey));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const fullKey = dataKey(this.keyPrefix, key);
    assertValidTtl(ttlMs);
    await this.run('set', () => this.client.set(fullKey, value, 'PX', ttlMs));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const fullKey = dataKey(this.keyPrefix, key);
    assertValidTtl(ttlMs);
    const reply = await this.run('setIfAbsent', () => this.client.set(fullKey, value, 'PX', ttlMs, 'NX'));
    return reply === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    const fullKey = dataKey(this.keyPrefix, key);
    const removed = await this.run('delete', () => this.client.del(fullKey));
    return removed > 0;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const fullKey = dataKey(this.keyPrefix, key);
    assertValidTtl(ttlMs);
    const count = await this.run('increment', () => this.scripts.increment(fullKey, ttlMs));
    return expectInteger('increment', count);
  }

  async incrementBelowLimits(counters: readonly BoundedCounter[]): Promise<BoundedIncrement> {
    const keys = counters.map((counter) => dataKey(this.keyPrefix, counter.key));
    const limitsTtlsAndWindows = counters.flatMap((counter) => {
      assertValidTtl(counter.ttlMs);
      assertValidLimit(counter.limit);
      assertValidWindow(counter.window);
      return [counter.limit, counter.ttlMs, counter.window === 'extending' ? 1 : 0];
    });
    if (keys.length === 0) {
      return { taken: true, counts: [] };
    }
    if (this.multiKeyScripts || keys.length === 1) {
      return this.incrementAllBelowLimits(keys, limitsTtlsAndWindows);
    }
    return this.incrementEachBelowLimit(keys, limitsTtlsAndWindows);
  }

  /** All counters checked and taken in one script: one server holds every key. */
  private async incrementAllBelowLimits(
    keys: readonly string[],
    limitsTtlsAndWindows: readonly number[],
  ): Promise<BoundedIncrement> {
    const reply = await this.run('incrementBelowLimits', () =>
      this.scripts.incrementBelowLimits(keys, limitsTtlsAndWindows),
    );
    if (!Array.isArray(reply)) {
      throw storeUnavailable('incrementBelowLimits', undefined, { reason: 'unexpected reply type' });
    }
    const [taken, ...rest] = reply.map((value) => expectInteger('incrementBelowLimits', value));
    if (taken === 1) {
      return { taken: true, counts: rest };
    }
    const [full = 0, ttlMs = 0] = rest;
    return { taken: false, full, ttlMs: Math.max(0, ttlMs) };
  }

  /**
   * On a Cluster the counters may sit on different nodes: each is taken
   * atomically below its own limit, in order, and those already taken are
   * given back when a later one is full. No counter ever passes its limit;
   * two callers racing for the last places may both be refused, which fails
   * closed. If giving back fails, the counts stay high until they expire.
   */
  private async incrementEachBelowLimit(
    keys: readonly string[],
    limitsTtlsAndWindows: readonly number[],
  ): Promise<BoundedIncrement> {
    const counts: number[] = [];
    for (const [index, key] of keys.entries()) {
      const outcome = await this.incrementAllBelowLimits(
        [key],
        limitsTtlsAndWindows.slice(3 * index, 3 * index + 3),
      );
      if (!outcome.taken) {
        for (const takenKey of keys.slice(0, index)) {
          await this.run('incrementBelowLimits', () => this.scripts.giveBack(takenKey));
        }
        return { taken: false, full: index, ttlMs: outcome.ttlMs };
      }
      counts.push(...outcome.counts);
    }
    return { taken: true, counts };
  }

  async decrement(key: string): Promise<number | null> {
    const fullKey = dataKey(this.keyPrefix, key);
    const reply = await this.run('decrement', () => this.scripts.decrement(fullKey));
    const count = expectInteger('decrement', reply);
    return count < 0 ? null : count;
  }

  async ttl(key: string): Promise<number | null> {
    const fullKey = dataKey(this.keyPrefix, key);
    const remaining = await this.run('ttl', () => this.client.pttl(fullKey));
    if (remaining === -2) {
      return null;
    }
    return remaining === -1 ? Number.POSITIVE_INFINITY : remaining;
  }

  async addToSet(key: string, member: string, ttlMs: number): Promise<void> {
    const fullKey = dataKey(this.keyPrefix, key);
    assertValidTtl(ttlMs);
    await this.run('addToSet', () => this.scripts.addToSet(fullKey, member, ttlMs, Date.now()));
  }

  async setMembers(key: string): Promise<string[]> {
    const fullKey = dataKey(this.keyPrefix, key);
    return this.run('setMembers', () => this.client.zrangebyscore(fullKey, `(${Date.now()}`, '+inf'));
  }

  async removeFromSet(key: string, member: string): Promise<boolean> {
    const fullKey = dataKey(this.keyPrefix, key);
    const removed = await this.run('removeFromSet', () => this.client.zrem(fullKey, member));
    return removed > 0;
  }

  async acquireLock(name: string, ttlMs: number): Promise<StoreLock | null> {
    const fullKey = lockKey(this.keyPrefix, name);
    assertValidTtl(ttlMs);
    const token = newLockToken();
    const reply = await this.run('acquireLock', () => this.client.set(fullKey, token, 'PX', ttlMs, 'NX'));
    return reply === 'OK' ? this.lockHandle(fullKey, token) : null;
  }

  withLock<T>(
    name: string,
    ttlMs: number,
    fn: (lock: StoreLock) => Promise<T>,
    options?: WithLockOptions,
  ): Promise<T> {
    return withLock(this, name, ttlMs, fn, options);
  }

  async ping(): Promise<void> {
    await this.run('ping', () => this.client.ping());
  }

  /** Sends QUIT when connected (bounded by closeTimeoutMs), otherwise just drops the socket and stops reconnecting. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    try {
      await withDeadline(this.client.quit(), this.closeTimeoutMs, 'quit timed out');
    } catch {
      // A failed goodbye changes nothing for the caller: the socket is dropped below either way.
    }
    this.client.disconnect();
  }

  private lockHandle(fullKey: string, token: string): StoreLock {
    return {
      release: async () => {
        const removed = await this.run('releaseLock', () => this.scripts.releaseLock(fullKey, token));
        return expectInteger('releaseLock', removed) === 1;
      },
      extend: async (ttlMs: number) => {
        assertValidTtl(ttlMs);
        const updated = await this.run('extendLock', () => this.scripts.extendLock(fullKey, token, ttlMs));
        return expectInteger('extendLock', updated) === 1;
      },
    };
  }

  private async run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    if (this.closed) {
      throw storeUnavailable(operation, undefined, { reason: 'closed' });
    }
    try {
      const reply = command();
      return await (this.queuedCommandTimeoutMs === undefined
        ? reply
        : withDeadline(reply, this.queuedCommandTimeoutMs, COMMAND_TIMED_OUT));
    } catch (error) {
      throw translateRedisError(operation, error, this.lastConnectionError);
    }
  }
}

/** ioredis's own words for a command past its timeout. */
const COMMAND_TIMED_OUT = 'Command timed out';

function queuedCommandTimeoutMs(client: RedisClient): number | undefined {
  const { enableAutoPipelining, commandTimeout } =
    client instanceof Cluster
      ? {
          enableAutoPipelining: client.options.enableAutoPipelining,
          commandTimeout: client.options.redisOptions?.commandTimeout,
        }
      : client.options;
  return enableAutoPipelining === true ? commandTimeout : undefined;
}

function expectInteger(operation: string, reply: unknown): number {
  if (typeof reply !== 'number' || !Number.isInteger(reply)) {
    throw storeUnavailable(operation, undefined, { reason: 'unexpected reply type' });
  }
  return reply;
}

/** Rejects after ms unless the promise settles first; the timer never outlives the race. */
async function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(message));
    }, ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
