import { randomInt } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import {
  createRedisClient,
  defineScript,
  failClosedClientOptions,
  redactRedisError,
  redisConnectionFromSection,
  type RedisClient,
  type ScriptCall,
  type RedisConnectionSection,
} from '@fedgate/store';
import { CHAIN_START, GENESIS_HASH, chainLine, splitLine, type ChainPosition } from './audit-chain';
import type { AuditRedisConfig } from './audit.config';
import { withoutTypedUsername, type AuditFields } from './audit-stream';

/**
 * Appends a line only while the stream's last entry is the head the line was
 * chained to (ARGV[1]): the check and the XADD are one step, so any number of
 * replicas append to one unbroken chain. The stream itself is the chain's
 * head (no second key, so it works on a Cluster too). On a mismatch it
 * answers the real last line ({0} when the stream is empty) for the caller to
 * chain to and try again.
 */
const APPEND_SCRIPT = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local head = ARGV[3]
local line = nil
if #last > 0 then
  local fields = last[1][2]
  line = ''
  for i = 1, #fields, 2 do
    if fields[i] == 'event' then
      line = fields[i + 1]
    end
  end
  head = string.match(line, ',"hash":"(%x+)"}$') or ''
end
if head ~= ARGV[1] then
  if line == nil then
    return {0}
  end
  return {0, line}
end
if ARGV[4] ~= '' then
  return {1, redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'event', ARGV[2])}
end
return {1, redis.call('XADD', KEYS[1], '*', 'event', ARGV[2])}`;

/**
 * Name of the append script's command on the client: prefixed `fedgate` so it never replaces one
 * of ioredis's own commands. Defined with its one key fixed (as libs/store/src/redis-scripts.ts
 * does), so ioredis sends the body (EVAL) once per connection and then only its SHA1 (EVALSHA),
 * sends EVAL again when the server answers NOSCRIPT, and a Cluster routes by the stream's key.
 */
const APPEND_COMMAND = 'fedgateAuditAppend';

/**
 * Replicas racing for the head: each lost race costs one round trip and a short random pause (so
 * two writers in lockstep drift apart instead of one losing every race); past this many lost
 * races in a row, the write fails.
 */
const MAX_APPEND_ATTEMPTS = 200;
const MAX_BACKOFF_MS = 20;

/** What the broker learns about writes that finish after record() returned. */
export interface AuditWriteHooks {
  /** Each event's write, to wait for before answering the request that recorded it. */
  onWrite?: (written: Promise<void>) => void;
  /** A write that failed (already redacted: no command arguments). */
  onError?: (error: Error) => void;
  now?: () => Date;
}

/**
 * The audit stream in a Redis stream: one entry per event, field `event`
 * holding the same chained JSON line the file sink writes. record() returns
 * at once and the append follows in the background, in the order recorded;
 * onWrite hands each write to whoever must not answer before it is kept
 * (apps/broker/src/http/audit-writes.ts). A write that fails is not retried:
 * the request waiting for it fails instead (docs/operations.md#audit).
 */
export class RedisAuditStream {
  private head: ChainPosition = CHAIN_START;
  private queue: Promise<void> = Promise.resolve();
  private readonly appendScript: ScriptCall;

  private constructor(
    private readonly client: RedisClient,
    private readonly stream: string,
    private readonly maxLength: number | undefined,
    private readonly hooks: AuditWriteHooks,
  ) {
    this.appendScript = defineScript(client, APPEND_COMMAND, APPEND_SCRIPT, 1);
  }

  /** Connects and resolves once Redis is ready; rejects with store_unavailable otherwise. */
  static async open(config: AuditRedisConfig, hooks: AuditWriteHooks = {}): Promise<RedisAuditStream> {
    const connection = redisConnectionFromSection(config);
    const client = createRedisClient(connection, failClosedClientOptions(connection));
    client.on('error', () => {
      // ioredis keeps reconnecting; a write meanwhile fails and says why.
    });
    try {
      await withDeadline(client.connect(), connection.connectTimeoutMs);
    } catch (error) {
      client.disconnect();
      throw unavailable(error, 'audit.connect');
    }
    return new RedisAuditStream(client, config.stream, config.maxLength, hooks);
  }

  record(event: AuditFields): void {
    const time = (this.hooks.now ?? (() => new Date()))();
    const fields = withoutTypedUsername(event);
    const written = this.queue.then(() => this.append(time, fields));
    this.queue = written.catch((error: unknown) => {
      this.hooks.onError?.(error instanceof Error ? error : new Error(String(error)));
    });
    this.hooks.onWrite?.(written);
  }

  /** Waits for the writes under way, then closes the connection. */
  async close(): Promise<void> {
    await this.queue;
    await this.client.quit().catch(() => {
      this.client.disconnect();
    });
  }

  private async append(time: Date, fields: AuditFields): Promise<void> {
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt += 1) {
      const { line, position } = chainLine(this.head, time, fields);
      let reply: unknown;
      try {
        reply = await this.appendScript(
          this.stream,
          this.head.hash,
          line,
          GENESIS_HASH,
          this.maxLength === undefined ? '' : String(this.maxLength),
        );
      } catch (error) {
        throw unavailable(error, 'audit.write');
      }
      const [appended, last] = reply as [number, string?];
      if (appended === 1) {
        this.head = position;
        return;
      }
      // Another replica (or this one before a restart) appended first: chain to its line.
      this.head = last === undefined ? CHAIN_START : headOf(last);
      await pause(randomInt(0, Math.min(MAX_BACKOFF_MS, attempt + 1) + 1));
    }
    throw new FedgateError('store_unavailable', 'The audit stream is too busy to take a line', {
      phase: 'audit.write',
      detail: { attempts: MAX_APPEND_ATTEMPTS },
    });
  }
}

/** The position a chained line ends the chain at; refuses to chain onto anything else. */
function headOf(line: string): ChainPosition {
  const parts = splitLine(line);
  let seq: unknown;
  try {
    seq = (JSON.parse(line) as { seq?: unknown }).seq;
  } catch {
    seq = undefined;
  }
  if (parts === undefined || typeof seq !== 'number') {
    throw new FedgateError(
      'internal',
      'The audit stream does not end with a chained audit line; check it with fedgate audit verify --redis',
      { phase: 'audit.write' },
    );
  }
  return { seq, hash: parts.hash };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function unavailable(error: unknown, phase: string): FedgateError {
  return new FedgateError('store_unavailable', 'The audit stream cannot be written', {
    phase,
    cause: redactRedisError(error),
  });
}

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(new Error('connect timed out'));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** One entry of an audit stream in Redis: its id and its line ('' when it has no `event` field). */
export interface AuditStreamEntry {
  id: string;
  line: string;
}

const PAGE = 1000;

/**
 * Every entry of the stream, oldest first, read in pages; for `fedgate audit verify`. The
 * connection is a URL, or the `audit.redis` keys of a config (one server, Sentinel, Cluster).
 */
export async function readRedisAuditStream(
  connection: RedisConnectionSection,
  stream: string,
): Promise<AuditStreamEntry[]> {
  const topology = redisConnectionFromSection(connection);
  const client = createRedisClient(topology, failClosedClientOptions(topology));
  client.on('error', () => undefined);
  try {
    await withDeadline(client.connect(), topology.connectTimeoutMs);
    const entries: AuditStreamEntry[] = [];
    let start = '-';
    for (;;) {
      const page = await client.xrange(stream, start, '+', 'COUNT', PAGE);
      for (const [id, fields] of page) {
        const index = fields.indexOf('event');
        entries.push({ id, line: index >= 0 && index % 2 === 0 ? (fields[index + 1] ?? '') : '' });
      }
      const last = page.at(-1);
      if (page.length < PAGE || last === undefined) {
        return entries;
      }
      start = `(${last[0]}`;
    }
  } catch (error) {
    throw unavailable(error, 'audit.read');
  } finally {
    client.disconnect();
  }
}
