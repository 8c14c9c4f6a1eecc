import type { RedisClient } from './redis-topology';

// The store's Lua scripts, sent by hash. ioredis's defineCommand sends a script's body (EVAL) the
// first time it runs on a connection and only its SHA1 (EVALSHA) after that; when the server
// answers NOSCRIPT (a SCRIPT FLUSH, a restart, a failover to a replica that never saw the script)
// it forgets the connection had it and sends the same call again as EVAL, also from pipelines.
// NOSCRIPT means the script did not run, so that second send can never count twice.

// The counter gets its TTL when INCR created it (no TTL yet); checking PTTL
// rather than "count == 1" also repairs a counter someone wrote without a TTL.
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count`;

// Checks every counter, then increments all of them or none, in one step. ARGV holds a limit, a TTL
// and a window per key: 1 extends the TTL at every increment, 0 (a fixed window) sets it only when
// the counter has none, as INCREMENT_SCRIPT does. A value INCR could not count is reported in
// INCR's own words.
const INCREMENT_BELOW_LIMITS_SCRIPT = `
for i = 1, #KEYS do
  local value = redis.call('GET', KEYS[i])
  local count = 0
  if value then
    count = tonumber(value)
    if count == nil or count ~= math.floor(count) then
      return redis.error_reply('ERR value is not an integer or out of range')
    end
  end
  if count >= tonumber(ARGV[3 * i - 2]) then
    return {0, i - 1, redis.call('PTTL', KEYS[i])}
  end
end
local result = {1}
for i = 1, #KEYS do
  result[i + 1] = redis.call('INCR', KEYS[i])
  if ARGV[3 * i] == '1' or redis.call('PTTL', KEYS[i]) == -1 then
    redis.call('PEXPIRE', KEYS[i], ARGV[3 * i - 1])
  end
end
return result`;

// DECR keeps the TTL; an absent counter stays absent (-1 means "absent" to the caller).
const DECREMENT_SCRIPT = `
local value = redis.call('GET', KEYS[1])
if not value then
  return -1
end
local count = tonumber(value)
if count == nil or count ~= math.floor(count) then
  return redis.error_reply('ERR value is not an integer or out of range')
end
if count <= 0 then
  return 0
end
return redis.call('DECR', KEYS[1])`;

// Gives back a place incrementEachBelowLimit took. A counter back at zero is removed, as if never
// taken; in one step, so a place someone takes meanwhile is never removed with it.
const GIVE_BACK_SCRIPT = `
local count = redis.call('DECR', KEYS[1])
if count <= 0 then
  redis.call('DEL', KEYS[1])
end
return count`;

// Compare-and-act on the lock token in one step: a holder whose lock expired
// must not delete or prolong the lock a later holder took.
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

const EXTEND_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

// A set whose members expire one by one: a sorted set scored by each member's end. Expired members
// are dropped on every add; the key lives as long as its longest-lived member. ARGV: member, ttl, now.
const ADD_TO_SET_SCRIPT = `
local ttl = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local ends = now + ttl
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
if (not current) or tonumber(current) < ends then
  redis.call('ZADD', KEYS[1], ends, ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('PTTL', KEYS[1]) < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1`;

/** A script's arguments: its keys first, then its ARGV. */
type ScriptArgument = string | number;

/** One defined script, as ioredis runs it; resolves with the script's raw reply. */
export type ScriptCall = (...args: ScriptArgument[]) => Promise<unknown>;

/** The store's scripts, defined on one client. Every call resolves with the script's raw reply. */
export interface StoreScripts {
  increment(key: string, ttlMs: number): Promise<unknown>;
  /**
   * Every counter below its limit, all or none: several keys only where one server holds them all.
   * ARGV holds a limit, a TTL and a window (1 extending, 0 fixed) per key.
   */
  incrementBelowLimits(keys: readonly string[], limitsTtlsAndWindows: readonly number[]): Promise<unknown>;
  giveBack(key: string): Promise<unknown>;
  decrement(key: string): Promise<unknown>;
  addToSet(key: string, member: string, ttlMs: number, nowMs: number): Promise<unknown>;
  releaseLock(key: string, token: string): Promise<unknown>;
  extendLock(key: string, token: string, ttlMs: number): Promise<unknown>;
}

/**
 * Defines the store's scripts on the client (standalone, Sentinel or Cluster alike) under names
 * of their own (`fedgate...`), so they cannot replace one of ioredis's commands.
 */
export function defineStoreScripts(client: RedisClient): StoreScripts {
  const increment = defineScript(client, 'fedgateIncrement', INCREMENT_SCRIPT, 1);
  // The same script twice (one SHA1 on the server). With one key, the count is fixed, so ioredis's
  // auto-pipelining and a Cluster find the key as the first argument; with a variable count the
  // first argument is the count itself, which is fine only where every key lives on one server.
  const incrementBelowLimit = defineScript(
    client,
    'fedgateIncrementBelowLimit',
    INCREMENT_BELOW_LIMITS_SCRIPT,
    1,
  );
  const incrementBelowLimits = defineScript(
    client,
    'fedgateIncrementBelowLimits',
    INCREMENT_BELOW_LIMITS_SCRIPT,
  );
  const giveBack = defineScript(client, 'fedgateGiveBack', GIVE_BACK_SCRIPT, 1);
  const decrement = defineScript(client, 'fedgateDecrement', DECREMENT_SCRIPT, 1);
  const addToSet = defineScript(client, 'fedgateAddToSet', ADD_TO_SET_SCRIPT, 1);
  const releaseLock = defineScript(client, 'fedgateReleaseLock', RELEASE_SCRIPT, 1);
  const extendLock = defineScript(client, 'fedgateExtendLock', EXTEND_SCRIPT, 1);
  return {
    increment: (key, ttlMs) => increment(key, ttlMs),
    incrementBelowLimits: (keys, limitsTtlsAndWindows) =>
      keys.length === 1
        ? incrementBelowLimit(...keys, ...limitsTtlsAndWindows)
        : incrementBelowLimits(keys.length, ...keys, ...limitsTtlsAndWindows),
    giveBack: (key) => giveBack(key),
    decrement: (key) => decrement(key),
    addToSet: (key, member, ttlMs, nowMs) => addToSet(key, member, ttlMs, nowMs),
    releaseLock: (key, token) => releaseLock(key, token),
    extendLock: (key, token, ttlMs) => extendLock(key, token, ttlMs),
  };
}

/**
 * Defines a Lua script on a client, sent by hash (see the top of this file), as a method named
 * `name` (prefix it, e.g. `fedgate…`, so it never replaces one of ioredis's commands). ioredis
 * types that method only through a global module augmentation, so it is looked up here and
 * checked once. Give `numberOfKeys` whenever it is fixed: auto-pipelining routes by the first key.
 */
export function defineScript(
  client: RedisClient,
  name: string,
  lua: string,
  numberOfKeys?: number,
): ScriptCall {
  client.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
  const method: unknown = Reflect.get(client, name);
  if (typeof method !== 'function') {
    throw new Error(`ioredis did not define the ${name} script command`);
  }
  return (...args) => {
    const reply: unknown = Reflect.apply(method, client, args);
    if (!(reply instanceof Promise)) {
      throw new TypeError(`ioredis's ${name} script command did not return a promise`);
    }
    return reply;
  };
}
