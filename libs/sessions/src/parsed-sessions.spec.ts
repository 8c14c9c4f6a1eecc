import type { BrokerSession } from './broker-session';
import { ParsedSessions } from './parsed-sessions';

function sessionText(subject: string): { text: string; session: BrokerSession } {
  const session: BrokerSession = {
    identity: {
      connectorId: 'demo',
      subject,
      username: subject,
      groups: ['developers'],
      attributes: { department: ['Engineering'] },
      mfa: { satisfied: false, methods: [] },
      authTime: '2026-01-01T00:00:00.000Z',
    },
    csrfToken: 'csrf',
    createdAt: '2026-01-01T00:00:00.000Z',
    lastSeenAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T08:00:00.000Z',
  };
  return { text: JSON.stringify(session), session };
}

describe('ParsedSessions', () => {
  it('answers only for the exact text it was given, frozen all the way down', () => {
    const parsed = new ParsedSessions();
    const { text, session } = sessionText('alice');
    const kept = parsed.set('k', text, session);
    expect(parsed.get('k', text)).toBe(kept);
    expect(parsed.get('k', text.replace('alice', 'mallory'))).toBeUndefined();
    expect(parsed.get('other', text)).toBeUndefined();
    expect(Object.isFrozen(kept.identity.attributes['department'])).toBe(true);
    parsed.delete('k');
    expect(parsed.get('k', text)).toBeUndefined();
  });

  it('keeps at most its capacity, dropping the least recently set', () => {
    const parsed = new ParsedSessions(2);
    const a = sessionText('a');
    const b = sessionText('b');
    const c = sessionText('c');
    parsed.set('a', a.text, a.session);
    parsed.set('b', b.text, b.session);
    parsed.set('a', a.text, a.session); // set again: now the most recent
    parsed.set('c', c.text, c.session);
    expect(parsed.get('b', b.text)).toBeUndefined();
    expect(parsed.get('a', a.text)).toBeDefined();
    expect(parsed.get('c', c.text)).toBeDefined();
  });
});
