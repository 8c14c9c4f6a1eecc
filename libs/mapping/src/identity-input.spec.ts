import { identity } from '../../../test/mapping/config-fixture';
import { isAdmin, parseIdentity } from './identity-input';

describe('parseIdentity', () => {
  it('accepts the Identity shape of docs/architecture.md with defaults, and single-string attributes', () => {
    expect(
      parseIdentity({
        connectorId: 'corp',
        subject: 's',
        username: 'u',
        authTime: '2026-01-01T00:00:00Z',
        attributes: { a: 'x' },
      }),
    ).toEqual({
      ok: true,
      identity: {
        connectorId: 'corp',
        subject: 's',
        username: 'u',
        authTime: '2026-01-01T00:00:00Z',
        groups: [],
        attributes: { a: ['x'] },
        mfa: { satisfied: false, methods: [] },
      },
    });
  });

  it('lists every problem, unknown keys included', () => {
    expect(parseIdentity({ connectorId: 'corp', username: 5, authTime: 'noon', group: [] })).toEqual({
      ok: false,
      problems: [
        expect.stringMatching(/^subject: /),
        expect.stringMatching(/^username: /),
        'authTime: must be an ISO 8601 time such as 2026-01-01T09:00:00Z',
        expect.stringMatching(/group/),
      ],
    });
  });
});

describe('isAdmin', () => {
  const admins = { users: ['corp:u-9'], groups: ['fedgate-admins'] };

  it('admits a listed connector:subject, and members of admin groups', () => {
    expect(isAdmin(identity({ subject: 'u-9' }), admins)).toBe(true);
    expect(isAdmin(identity({ groups: ['fedgate-admins'] }), admins)).toBe(true);
    expect(isAdmin(identity({ groups: ['admins'] }), admins)).toBe(false);
    expect(isAdmin(identity({ subject: 'u-9', connectorId: 'github' }), admins)).toBe(false);
  });

  it('counts groups only from the connectors admins.connectors names', () => {
    const scoped = { ...admins, connectors: ['corp'] };
    expect(isAdmin(identity({ groups: ['fedgate-admins'] }), scoped)).toBe(true);
    expect(isAdmin(identity({ groups: ['fedgate-admins'], connectorId: 'github' }), scoped)).toBe(false);
  });

  it('admits nobody by default', () => {
    expect(isAdmin(identity({ groups: ['admins'] }), { users: [], groups: [] })).toBe(false);
  });
});
