import { randomUUID } from 'node:crypto';

import { RedisStore } from '@fedgate/store';
import { Redis } from 'ioredis';

import { startRedis, type RedisServer } from '../harness/redis';

// Starting a server takes longer than the default 5 s test timeout allows on a busy machine.
jest.setTimeout(30_000);

/** How often the server ran a command, and how many of those ended in an error (NOSCRIPT among them). */
interface CommandCalls {
  calls: number;
  errors: number;
}

/** `INFO commandstats` for EVAL and EVALSHA: what the server received from every client since CONFIG RESETSTAT. */
async function scriptCalls(raw: Redis): Promise<{ eval: CommandCalls; evalsha: CommandCalls }> {
  const info = await raw.info('commandstats');
  const stat = (command: string): CommandCalls => {
    const line = info.split('\r\n').find((entry) => entry.startsWith(`cmdstat_${command}:`));
    const field = (name: string): number =>
      Number(new RegExp(`[:,]${name}=(\\d+)`).exec(line ?? '')?.[1] ?? 0);
    return { calls: field('calls'), errors: field('failed_calls') + field('rejected_calls') };
  };
  return { eval: stat('eval'), evalsha: stat('evalsha') };
}

describe('RedisStore sends its Lua scripts by hash', () => {
  let redis: RedisServer;
  let raw: Redis;
  let store: RedisStore;

  beforeAll(async () => {
    redis = await startRedis();
    // A plain client of the test's own, for INFO, CONFIG and SCRIPT (never through the store).
    raw = new Redis(redis.url, { lazyConnect: true });
    await raw.connect();
  });

  afterAll(async () => {
    await raw.quit();
    await redis.stop();
  });

  beforeEach(async () => {
    store = await RedisStore.connect({ url: redis.url, keyPrefix: `scripts:${randomUUID()}:` });
    await raw.config('RESETSTAT');
  });

  afterEach(async () => {
    await store.close();
  });

  it('sends a script body once on a connection, then only its SHA1', async () => {
    const counts: number[] = [];
    for (let call = 0; call < 20; call++) {
      counts.push(await store.increment('n', 60_000));
    }
    expect(counts).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    const { eval: bodies, evalsha: hashes } = await scriptCalls(raw);
    expect(bodies.calls).toBeLessThanOrEqual(1);
    expect(hashes.calls).toBeGreaterThanOrEqual(19);
    expect(bodies.calls + hashes.calls).toBe(20);
    expect(bodies.errors + hashes.errors).toBe(0);
  });

  it('sends the body once also when the first calls leave together', async () => {
    const counts = await Promise.all(Array.from({ length: 20 }, () => store.increment('n', 60_000)));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    const { eval: bodies, evalsha: hashes } = await scriptCalls(raw);
    expect(bodies.calls).toBeLessThanOrEqual(1);
    expect(bodies.calls + hashes.calls).toBe(20);
    expect(bodies.errors + hashes.errors).toBe(0);
  });

  it('runs every script again after SCRIPT FLUSH, sending the body where the server lost it', async () => {
    // Every script once, so the client knows each one as loaded on this connection.
    const runEveryScript = async (round: number): Promise<void> => {
      expect(await store.increment('counter', 60_000)).toBe(round);
      expect(
        await store.incrementBelowLimits([{ key: 'single', limit: 100, ttlMs: 60_000, window: 'fixed' }]),
      ).toEqual({
        taken: true,
        counts: [round],
      });
      expect(
        await store.incrementBelowLimits([
          { key: 'first', limit: 100, ttlMs: 60_000, window: 'fixed' },
          { key: 'second', limit: 100, ttlMs: 60_000, window: 'fixed' },
        ]),
      ).toEqual({ taken: true, counts: [round, round] });
      await store.increment('down', 60_000);
      await store.increment('down', 60_000);
      expect(await store.decrement('down')).toBe(round);
      await store.addToSet('set', `member-${round}`, 60_000);
      expect((await store.setMembers('set')).sort()).toEqual(
        Array.from({ length: round }, (_, index) => `member-${index + 1}`),
      );
      const lock = await store.acquireLock(`lock-${round}`, 60_000);
      expect(lock).not.toBeNull();
      expect(await lock!.extend(60_000)).toBe(true);
      expect(await lock!.release()).toBe(true);
    };

    await runEveryScript(1);
    await raw.script('FLUSH');
    await raw.config('RESETSTAT');
    await runEveryScript(2);

    // Six scripts (incrementBelowLimits's one-key and many-key calls share one): the first EVALSHA
    // of each met NOSCRIPT and was sent again as EVAL, which put the script back on the server.
    const { eval: bodies, evalsha: hashes } = await scriptCalls(raw);
    expect(hashes.errors).toBe(6);
    expect(bodies.calls).toBe(6);
    expect(bodies.errors).toBe(0);
  });

  it('answers every call of one turn correctly when all of them meet NOSCRIPT', async () => {
    await store.increment('n', 60_000);
    await raw.script('FLUSH');
    const counts = await Promise.all(Array.from({ length: 10 }, () => store.increment('n', 60_000)));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, index) => index + 2));
    // All ten EVALSHA left before the first NOSCRIPT came back.
    expect((await scriptCalls(raw)).evalsha.errors).toBe(10);
  });
});
