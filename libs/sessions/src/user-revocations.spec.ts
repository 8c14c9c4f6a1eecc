import type { Identity } from '@fedgate/core';
import { MemoryStore } from '@fedgate/store';
import { SessionManager } from './session-manager';
import { UserIndex } from './user-index';
import { foldUserName } from './user-names';
import { UserRevocations } from './user-revocations';

const alice: Identity = {
  connectorId: 'corp',
  subject: 'uid-1001',
  username: 'Alice',
  groups: [],
  attributes: {},
  mfa: { satisfied: false, methods: [] },
  authTime: '2026-01-01T00:00:00.000Z',
};

describe('user index and revocation records', () => {
  let now: number;
  let store: MemoryStore;
  let revocations: UserRevocations;
  let index: UserIndex;
  let sessions: SessionManager;

  beforeEach(() => {
    now = Date.parse('2026-01-01T00:00:00Z');
    store = new MemoryStore({ now: () => now });
    revocations = new UserRevocations(store, { keepSeconds: 3600, now: () => now });
    index = new UserIndex(store);
    sessions = new SessionManager(store, { idleSeconds: 600, absoluteSeconds: 3600 }, () => now);
  });

  afterEach(async () => {
    await store.close();
  });

  it('folds names as the connectors compare accounts', () => {
    expect(foldUserName('  ＡＬＩＣＥ   Smith ')).toBe('alice smith');
  });

  it('indexes a session under the subject and the username, in any case, and only for its connector', async () => {
    await sessions.create(alice);
    expect(await index.entries('corp', 'uid-1001')).toHaveLength(1);
    expect(await index.entries('corp', 'aLiCe')).toEqual(await index.entries('corp', 'uid-1001'));
    expect(await index.entries('other', 'alice')).toEqual([]);
  });

  it('ends an indexed session by its key and returns it; a second end finds nothing', async () => {
    const { token } = await sessions.create(alice);
    const [key] = await index.entries('corp', 'alice');
    expect(key).toMatch(/^session:/);
    expect((await sessions.endStored(key ?? ''))?.identity.subject).toBe('uid-1001');
    expect(await sessions.find(token)).toBeNull();
    expect(await sessions.endStored(key ?? '')).toBeNull();
    expect(await sessions.endStored('oauth-family:x')).toBeNull();
  });

  it('refuses a sign-in while the user is blocked, leaving no session, and accepts it once the block ends', async () => {
    await revocations.revoke('corp', 'ALICE', 300);
    await expect(sessions.create(alice)).rejects.toMatchObject({
      code: 'access_revoked',
      retryAfterSeconds: 300,
    });
    const keys = await index.entries('corp', 'alice');
    expect(await Promise.all(keys.map((key) => store.get(key)))).toEqual(keys.map(() => null));
    now += 301_000;
    await expect(sessions.create(alice)).resolves.toMatchObject({ session: { identity: alice } });
  });

  it('refuses what began before the revocation, not what began after it, when there is no block', async () => {
    const before = now;
    now += 1000;
    const record = await revocations.revoke('corp', 'uid-1001', 0);
    expect(record).toEqual({ issuedBefore: now, blockedUntil: null });
    await expect(revocations.check(alice, before)).rejects.toMatchObject({ code: 'access_revoked' });
    await expect(revocations.check(alice, now)).rejects.toMatchObject({ code: 'access_revoked' });
    await expect(revocations.check(alice, now + 1)).resolves.toBeUndefined();
    await expect(revocations.check(alice)).resolves.toBeUndefined();
  });

  it('keeps a record for keepSeconds, or for its block when that is longer', async () => {
    await revocations.revoke('corp', 'alice', 7200);
    now += 3601_000;
    expect(await revocations.recordFor(alice)).not.toBeNull();
    now += 3600_000;
    expect(await revocations.recordFor(alice)).toBeNull();
  });

  it('lets a later revocation replace the block of an earlier one', async () => {
    await revocations.revoke('corp', 'alice', 600);
    now += 1000;
    await revocations.revoke('corp', 'alice', 0);
    await expect(revocations.check(alice)).resolves.toBeUndefined();
  });

  it('fails closed on an unreadable record', async () => {
    await revocations.revoke('corp', 'alice', 60);
    const stored = await keysLike(store, 'user-revoked:');
    expect(stored).toHaveLength(1);
    for (const recordKey of stored) {
      await store.set(recordKey, '{"issuedBefore":"soon"}', 60_000);
    }
    await expect(revocations.check(alice)).rejects.toMatchObject({ code: 'internal' });
  });
});

/** The unprefixed keys of a memory store that start with `start` (the store's default prefix removed). */
function keysLike(store: MemoryStore, start: string): Promise<string[]> {
  const entries = (store as unknown as { entries: Map<string, unknown> }).entries;
  return Promise.resolve(
    [...entries.keys()].map((key) => key.replace(/^fedgate:/, '')).filter((key) => key.startsWith(start)),
  );
}
