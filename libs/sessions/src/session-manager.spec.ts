import { createHash } from 'node:crypto';
import { MemoryStore } from '@fedgate/store';
import type { Identity } from '@fedgate/core';
import { SessionManager } from './session-manager';

const identity: Identity = {
  connectorId: 'demo',
  subject: 'alice',
  username: 'alice',
  groups: ['developers'],
  attributes: {},
  mfa: { satisfied: false, methods: [] },
  authTime: '2026-01-01T00:00:00.000Z',
};

describe('SessionManager', () => {
  let now: number;
  let store: MemoryStore;
  let sessions: SessionManager;

  beforeEach(() => {
    now = Date.parse('2026-01-01T00:00:00Z');
    store = new MemoryStore({ now: () => now });
    sessions = new SessionManager(store, { idleSeconds: 3600, absoluteSeconds: 4 * 3600 }, () => now);
  });

  afterEach(async () => {
    await store.close();
  });

  it('finds a session by its token, and gives each login a fresh token and CSRF token', async () => {
    const first = await sessions.create(identity);
    const second = await sessions.create(identity);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.token).not.toBe(second.token);
    expect(first.session.csrfToken).not.toBe(second.session.csrfToken);
    expect((await sessions.find(first.token))?.identity).toEqual(identity);
  });

  it('does not keep the token itself in the store', async () => {
    const { token } = await sessions.create(identity);
    expect(await store.get(`session:${token}`)).toBeNull();
  });

  it('ends a session left idle longer than the idle timeout', async () => {
    const { token } = await sessions.create(identity);
    now += 59 * 60 * 1000;
    expect(await sessions.find(token)).not.toBeNull();
    now += 59 * 60 * 1000;
    expect(await sessions.find(token)).not.toBeNull();
    now += 61 * 60 * 1000;
    expect(await sessions.find(token)).toBeNull();
  });

  it('writes a session back at most once a second however often it is used, and still times it out', async () => {
    const { token } = await sessions.create(identity);
    const writes: string[] = [];
    const set = store.set.bind(store);
    store.set = (key, value, ttlMs) => {
      writes.push(value);
      return set(key, value, ttlMs);
    };
    for (let i = 0; i < 10; i += 1) {
      now += 50;
      expect(await sessions.find(token)).not.toBeNull();
    }
    expect(writes).toHaveLength(0);
    now += 600;
    expect((await sessions.find(token))?.lastSeenAt).toBe(new Date(now).toISOString());
    expect(writes).toHaveLength(1);
    now += 3600 * 1000 + 1;
    expect(await sessions.find(token)).toBeNull();
  });

  it('ends a session at its absolute timeout however active', async () => {
    const { token } = await sessions.create(identity);
    for (let minutes = 0; minutes < 4 * 60 - 30; minutes += 30) {
      now += 30 * 60 * 1000;
      expect(await sessions.find(token)).not.toBeNull();
    }
    now += 31 * 60 * 1000;
    expect(await sessions.find(token)).toBeNull();
  });

  it('ends a session on destroy, and ignores tokens of the wrong shape', async () => {
    const { token } = await sessions.create(identity);
    expect(await sessions.destroy(token)).toBe(true);
    expect(await sessions.find(token)).toBeNull();
    expect(await sessions.find('not a token')).toBeNull();
    expect(await sessions.destroy('not a token')).toBe(false);
  });

  it('refuses a stored record that is not a session', async () => {
    const { token } = await sessions.create(identity);
    const key = `session:${createHash('sha256').update(token).digest('base64url')}`;
    expect(await store.get(key)).not.toBeNull();
    await store.set(key, '{"nope":true}', 60_000);
    await expect(sessions.find(token)).rejects.toMatchObject({ code: 'internal' });
  });

  describe('reading the same stored session again', () => {
    const keyOf = (token: string): string =>
      `session:${createHash('sha256').update(token).digest('base64url')}`;

    it('gives the same frozen identity while the stored text is unchanged, touches included', async () => {
      const { token } = await sessions.create(identity);
      const first = await sessions.find(token);
      const second = await sessions.find(token);
      expect(second?.identity).toBe(first?.identity);
      expect(Object.isFrozen(first?.identity)).toBe(true);
      expect(Object.isFrozen(first?.identity.groups)).toBe(true);
      expect(() => {
        (first?.identity.groups as string[]).push('admins');
      }).toThrow(TypeError);
      now += 5000; // past the touch interval: this read writes the session back
      const touched = await sessions.find(token);
      expect(touched?.lastSeenAt).toBe(new Date(now).toISOString());
      expect(touched?.identity).toBe(first?.identity);
    });

    it('parses again when the store holds another text: a replaced identity is seen at once', async () => {
      const { token } = await sessions.create(identity);
      const before = await sessions.find(token);
      // Another replica (or a refresh) rewrites the session in the store.
      const stored = JSON.parse((await store.get(keyOf(token))) ?? 'null') as { identity: Identity };
      stored.identity = { ...stored.identity, groups: ['admins'] };
      await store.set(keyOf(token), JSON.stringify(stored), 60_000);
      const after = await sessions.find(token);
      expect(after?.identity).not.toBe(before?.identity);
      expect(after?.identity.groups).toEqual(['admins']);

      const replaced = await sessions.replaceIdentity(token, { ...identity, groups: ['ops'] });
      expect(replaced?.identity.groups).toEqual(['ops']);
      expect((await sessions.find(token))?.identity.groups).toEqual(['ops']);
    });

    it('never serves a session the store no longer has', async () => {
      const { token } = await sessions.create(identity);
      expect(await sessions.find(token)).not.toBeNull();
      await store.delete(keyOf(token));
      expect(await sessions.find(token)).toBeNull();
      expect(await sessions.stored(token)).toBeNull();
    });

    it('still ends an idle session it has parsed before', async () => {
      const { token } = await sessions.create(identity);
      expect(await sessions.find(token)).not.toBeNull();
      // The store keeps it (say its TTL is coarse); the idle rule still applies to the cached parse.
      const text = (await store.get(keyOf(token))) ?? '';
      now += 3601 * 1000;
      await store.set(keyOf(token), text, 60_000);
      expect(await sessions.find(token)).toBeNull();
    });
  });
});
