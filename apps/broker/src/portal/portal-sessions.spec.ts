import { SignOut } from '@fedgate/flows';
import { ConnectorCatalog } from '@fedgate/connectors';
import type { Identity } from '@fedgate/core';
import { IdentityRefresh } from '@fedgate/flows';
import { SessionManager } from '@fedgate/sessions';
import { MemoryStore } from '@fedgate/store';
import { PortalSessions } from './portal-sessions';

const ORIGIN = 'https://fedgate.corp.example';

const alice: Identity = {
  connectorId: 'demo',
  subject: 'alice',
  username: 'alice',
  groups: [],
  attributes: {},
  mfa: { satisfied: false, methods: [] },
  authTime: '2026-12-05T09:00:00Z',
};

function setUp(): { portal: PortalSessions; sessions: SessionManager } {
  const store = new MemoryStore();
  const sessions = new SessionManager(store, { idleSeconds: 3600, absoluteSeconds: 8 * 3600 });
  const refresh = new IdentityRefresh({
    connectors: new ConnectorCatalog([]),
    sessions,
    locks: store,
    audit: { record: () => undefined },
    intervalSeconds: 3600,
    now: Date.now,
  });
  return { portal: new PortalSessions(sessions, refresh, ORIGIN), sessions };
}

describe('PortalSessions', () => {
  it('finds the session of a page request, and none without a cookie or for an unknown one', async () => {
    const { portal, sessions } = setUp();
    const { token } = await sessions.create(alice);
    const facts = { origin: undefined, clientAddress: '127.0.0.1' };
    expect((await portal.forPage({ ...facts, sessionToken: token }))?.session.identity.subject).toBe('alice');
    expect(await portal.forPage({ ...facts, sessionToken: undefined })).toBeUndefined();
    expect(await portal.forPage({ ...facts, sessionToken: 'x'.repeat(43) })).toBeUndefined();
  });

  it("admits a form post only with the session's CSRF token from fedgate's own origin", async () => {
    const { portal, sessions } = setUp();
    const { token, session } = await sessions.create(alice);
    const facts = { sessionToken: token, clientAddress: '127.0.0.1' };
    await expect(portal.forForm({ ...facts, origin: ORIGIN }, session.csrfToken)).resolves.toMatchObject({
      token,
    });
    await expect(portal.forForm({ ...facts, origin: undefined }, session.csrfToken)).resolves.toMatchObject({
      token,
    });
    await expect(portal.forForm({ ...facts, origin: ORIGIN }, 'wrong')).rejects.toMatchObject({
      code: 'csrf_rejected',
    });
    await expect(portal.forForm({ ...facts, origin: ORIGIN }, undefined)).rejects.toMatchObject({
      code: 'csrf_rejected',
    });
    await expect(
      portal.forForm({ ...facts, origin: 'https://evil.example' }, session.csrfToken),
    ).rejects.toMatchObject({ code: 'csrf_rejected' });
  });

  it('treats a form post after sign-out as signed out, and ends a session on sign-out, audited', async () => {
    const { portal, sessions } = setUp();
    const { token, session } = await sessions.create(alice);
    const audited: unknown[] = [];
    await new SignOut({ sessions, audit: { record: (event) => audited.push(event) } }).end(
      token,
      session,
      '192.0.2.7',
    );
    expect(await sessions.find(token)).toBeNull();
    expect(audited).toEqual([
      {
        event: 'logout',
        outcome: 'success',
        connector: session.identity.connectorId,
        subject: session.identity.subject,
        clientAddress: '192.0.2.7',
      },
    ]);
    await expect(
      portal.forForm({ sessionToken: token, origin: ORIGIN, clientAddress: '' }, session.csrfToken),
    ).resolves.toBeUndefined();
  });
});
