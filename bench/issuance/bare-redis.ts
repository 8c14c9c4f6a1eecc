/**
 * A second baseline for the Redis store's cache hits: a bare `node:http`
 * server that, for every request, makes the round trips a broker cache hit
 * makes to the same redis-server, in the same two phases (read the session;
 * then take the rate-limit places in one Lua script and read the cached
 * credential, both issued in one turn so they leave in one write, and answer
 * once the limit passed) with the same ioredis client options, then answers
 * the broker's bytes. Against it, the ratio shows what the broker adds beyond
 * the I/O a shared store costs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { failClosedClientOptions } from '@fedgate/store';

/** Two counters read, taken and given a TTL in one step: the commands the broker's rate-limit script runs. */
const TAKE_TWO_SCRIPT = `
for i = 1, 2 do
  redis.call('GET', KEYS[i])
end
for i = 1, 2 do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return 1`;

interface TakingRedis extends Redis {
  benchTakeTwo(first: string, second: string, ttlMs: number): Promise<number>;
}

export interface BareRedisServer {
  url: string;
  stop(): Promise<void>;
}

/** The first data key (not a lock) matching `pattern`; throws if there is none. */
async function firstKey(redis: Redis, pattern: string): Promise<string> {
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    const key = batch.find((name) => !name.includes(':lock:'));
    if (key !== undefined) {
      return key;
    }
    cursor = next;
  } while (cursor !== '0');
  throw new Error(`no Redis key matches ${pattern}`);
}

export async function startBareRedisServer(
  redisUrl: string,
  prefix: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<BareRedisServer> {
  const redis = new Redis(redisUrl, failClosedClientOptions()) as TakingRedis;
  redis.defineCommand('benchTakeTwo', { numberOfKeys: 2, lua: TAKE_TWO_SCRIPT });
  await redis.connect();
  const sessionKey = await firstKey(redis, `${prefix}session:*`);
  const credentialKey = await firstKey(redis, `${prefix}issuance:credentials:*`);
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      void (async () => {
        try {
          await redis.get(sessionKey);
          // The broker's order: the script first, the cache read right after it, in the same turn.
          const taken = redis.benchTakeTwo(`${prefix}bench-rate:user`, `${prefix}bench-rate:client`, 60_000);
          const cached = redis.get(credentialKey);
          // Settled either way before the answer, so a failed read is never left unhandled.
          const [limit, read] = await Promise.allSettled([taken, cached]);
          if (limit.status === 'rejected' || read.status === 'rejected') {
            throw new Error('Redis refused a cache hit');
          }
          response.writeHead(200, { ...headers, 'content-length': body.length });
          response.end(body);
        } catch {
          response.writeHead(503).end();
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      redis.disconnect();
    },
  };
}
