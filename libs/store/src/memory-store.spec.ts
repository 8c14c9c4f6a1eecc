import { MemoryStore } from './memory-store';
import { describeStoreContract } from './store.contract';

/** A clock the test moves by hand, so expiry is tested without sleeping. */
function manualClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('MemoryStore contract', () => {
  // One memory shared by every store a test opens, as one Redis is shared by processes.
  let backend: MemoryStore;
  beforeEach(() => {
    backend = new MemoryStore({ keyPrefix: '' });
  });
  afterEach(async () => {
    await backend.close();
  });

  describeStoreContract('MemoryStore', ({ keyPrefix }) => {
    const store = backend.withKeyPrefix(keyPrefix);
    return Promise.resolve({ store, cleanup: () => store.close() });
  });
});

describe('MemoryStore with an injected clock', () => {
  let clock: ReturnType<typeof manualClock>;
  let store: MemoryStore;

  beforeEach(() => {
    clock = manualClock();
    store = new MemoryStore({ now: clock.now });
  });

  afterEach(async () => {
    await store.close();
  });

  it('keeps a value until exactly its TTL has passed', async () => {
    await store.set('k', 'v', 1_000);
    clock.advance(999);
    expect(await store.get('k')).toBe('v');
    expect(await store.ttl('k')).toBe(1);
    clock.advance(1);
    expect(await store.get('k')).toBeNull();
    expect(await store.ttl('k')).toBeNull();
  });

  it('expires values written by setIfAbsent, so the key can be claimed again', async () => {
    expect(await store.setIfAbsent('replay', 'a', 500)).toBe(true);
    clock.advance(499);
    expect(await store.setIfAbsent('replay', 'b', 500)).toBe(false);
    clock.advance(1);
    expect(await store.setIfAbsent('replay', 'c', 500)).toBe(true);
    expect(await store.get('replay')).toBe('c');
  });

  it('runs fixed windows: later increments do not move the end of the window', async () => {
    expect(await store.increment('hits', 1_000)).toBe(1);
    clock.advance(600);
    expect(await store.increment('hits', 1_000)).toBe(2);
    expect(await store.ttl('hits')).toBe(400);
    clock.advance(400);
    expect(await store.increment('hits', 1_000)).toBe(1);
    expect(await store.ttl('hits')).toBe(1_000);
  });

  it("incrementBelowLimits keeps each fixed window's first end and names the full counter with its exact TTL", async () => {
    const counters = [
      { key: 'user', limit: 5, ttlMs: 1_000, window: 'fixed' as const },
      { key: 'client', limit: 2, ttlMs: 3_000, window: 'fixed' as const },
    ];
    expect(await store.incrementBelowLimits(counters)).toEqual({ taken: true, counts: [1, 1] });
    clock.advance(600);
    expect(await store.incrementBelowLimits(counters)).toEqual({ taken: true, counts: [2, 2] });
    expect([await store.ttl('user'), await store.ttl('client')]).toEqual([400, 2_400]);
    clock.advance(500);
    // The user's window ended 1 000 ms after its first count: it starts again at one.
    expect(await store.get('user')).toBeNull();
    expect(await store.incrementBelowLimits(counters)).toEqual({ taken: false, full: 1, ttlMs: 1_900 });
    expect([await store.get('user'), await store.get('client')]).toEqual([null, '2']);
    clock.advance(1_900);
    expect(await store.incrementBelowLimits(counters)).toEqual({ taken: true, counts: [1, 1] });
    expect([await store.ttl('user'), await store.ttl('client')]).toEqual([1_000, 3_000]);
  });

  it('incrementBelowLimits restarts each extending window at the increment and names the full counter with its exact TTL', async () => {
    const counters = [
      { key: 'user', limit: 5, ttlMs: 1_000, window: 'extending' as const },
      { key: 'client', limit: 2, ttlMs: 3_000, window: 'extending' as const },
    ];
    expect(await store.incrementBelowLimits(counters)).toEqual({ taken: true, counts: [1, 1] });
    clock.advance(600);
    expect(await store.incrementBelowLimits(counters)).toEqual({ taken: true, counts: [2, 2] });
    expect([await store.ttl('user'), await store.ttl('client')]).toEqual([1_000, 3_000]);
    clock.advance(500);
    expect(await store.incrementBelowLimits(counters)).toEqual({ taken: false, full: 1, ttlMs: 2_500 });
    // The refused call changed nothing: counts and windows stay.
    expect([await store.get('user'), await store.get('client')]).toEqual(['2', '2']);
    expect([await store.ttl('user'), await store.ttl('client')]).toEqual([500, 2_500]);
    clock.advance(500);
    expect(await store.get('user')).toBeNull();
    expect(await store.incrementBelowLimits([counters[0]!])).toEqual({ taken: true, counts: [1] });
  });

  it('incrementBelowLimits reads the clock once per call', async () => {
    let reads = 0;
    const counted = new MemoryStore({
      now: () => {
        reads += 1;
        return clock.now();
      },
    });
    try {
      const counters = [
        { key: 'a', limit: 1, ttlMs: 1_000, window: 'fixed' as const },
        { key: 'b', limit: 5, ttlMs: 1_000, window: 'extending' as const },
        { key: 'c', limit: 5, ttlMs: 1_000, window: 'fixed' as const },
      ];
      reads = 0;
      expect(await counted.incrementBelowLimits(counters)).toMatchObject({ taken: true });
      expect(reads).toBe(1);
      expect(await counted.incrementBelowLimits(counters)).toMatchObject({ taken: false, full: 0 });
      expect(reads).toBe(2);
    } finally {
      await counted.close();
    }
  });

  it('lets a lock expire by the clock and keeps the stale holder from releasing the new one', async () => {
    const stale = await store.acquireLock('L', 1_000);
    clock.advance(1_000);
    const current = await store.acquireLock('L', 1_000);
    expect(current).not.toBeNull();
    expect(await stale!.release()).toBe(false);
    expect(await stale!.extend(5_000)).toBe(false);
    expect(await store.acquireLock('L', 1_000)).toBeNull();
  });

  it('extends a lock from the current time', async () => {
    const lock = await store.acquireLock('L', 1_000);
    clock.advance(900);
    expect(await lock!.extend(1_000)).toBe(true);
    clock.advance(900);
    expect(await store.acquireLock('L', 1_000)).toBeNull();
    clock.advance(100);
    expect(await store.acquireLock('L', 1_000)).not.toBeNull();
  });

  it('sweep() drops expired entries that nobody reads', async () => {
    await store.set('short', 'v', 100);
    await store.set('also-short', 'v', 100);
    await store.set('long', 'v', 10_000);
    expect(store.size).toBe(3);
    clock.advance(100);
    expect(store.sweep()).toBe(2);
    expect(store.size).toBe(1);
    expect(await store.get('long')).toBe('v');
  });

  it('drops an expired entry when it is read', async () => {
    await store.set('k', 'v', 100);
    clock.advance(100);
    expect(store.size).toBe(1);
    expect(await store.get('k')).toBeNull();
    expect(store.size).toBe(0);
  });
});

describe('MemoryStore sweep timer', () => {
  it('sweeps periodically', async () => {
    const clock = manualClock();
    const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 10 });
    try {
      await store.set('k', 'v', 100);
      clock.advance(100);
      const deadline = Date.now() + 2_000;
      while (store.size > 0 && Date.now() < deadline) {
        await sleep(10);
      }
      expect(store.size).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('stops sweeping on close', async () => {
    const clock = manualClock();
    const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 10 });
    await store.set('k', 'v', 100);
    await store.close();
    clock.advance(100);
    await sleep(60);
    expect(store.size).toBe(1);
  });

  it.each([0, -5, 2.5])('rejects a sweep interval of %p', (sweepIntervalMs) => {
    expect(() => new MemoryStore({ sweepIntervalMs })).toThrow(RangeError);
  });
});

describe('MemoryStore key prefixes', () => {
  it("uses 'fedgate:' by default", async () => {
    const store = new MemoryStore();
    const raw = store.withKeyPrefix('');
    try {
      await store.set('k', 'v', 1_000);
      expect(await raw.get('fedgate:k')).toBe('v');
    } finally {
      await raw.close();
      await store.close();
    }
  });

  it('closing a view leaves the store it came from open', async () => {
    const store = new MemoryStore();
    const view = store.withKeyPrefix('other:');
    await view.close();
    try {
      await store.set('k', 'v', 1_000);
      expect(await store.get('k')).toBe('v');
    } finally {
      await store.close();
    }
  });
});
