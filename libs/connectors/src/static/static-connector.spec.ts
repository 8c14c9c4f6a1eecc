import { staticConnectorConfigSchema } from './static-connector.config';
import { StaticConnector } from './static-connector';
import { hashPassword, parsePasswordHash, verifyPassword } from './password-hash';

const AUTH_TIME = new Date('2026-01-01T10:00:00Z');

async function connector(): Promise<StaticConnector> {
  const config = staticConnectorConfigSchema.parse({
    id: 'demo',
    type: 'static',
    name: 'Demo users',
    users: [
      {
        username: 'alice',
        passwordHash: await hashPassword('alice-pass', 10),
        email: 'alice@example.com',
        // Sorted, as every connector's groups are.
        groups: ['admins', 'developers'],
        attributes: { department: 'Engineering', projects: ['a', 'b'] },
        mfa: true,
      },
      { username: 'bob', subject: 'u-0002', passwordHash: await hashPassword('bob-pass', 10) },
    ],
  });
  return new StaticConnector(config, () => AUTH_TIME);
}

describe('StaticConnector', () => {
  it('returns the configured identity for the right password', async () => {
    const result = await (await connector()).login('alice', 'alice-pass', {});
    expect(result).toEqual({
      kind: 'authenticated',
      identity: {
        connectorId: 'demo',
        subject: 'alice',
        username: 'alice',
        email: 'alice@example.com',
        emailVerified: true,
        // Sorted, as every connector's groups are.
        groups: ['admins', 'developers'],
        attributes: { department: ['Engineering'], projects: ['a', 'b'] },
        mfa: { satisfied: true, methods: ['static'] },
        authTime: '2026-01-01T10:00:00.000Z',
      },
    });
  });

  it('uses the configured subject, and matches usernames case-insensitively', async () => {
    const demo = await connector();
    const canonical = demo.canonicalUsername(' BOB ');
    expect(canonical).toEqual({ kind: 'account', account: 'bob' });
    const result = await demo.login('bob', 'bob-pass', {});
    expect(result.kind === 'authenticated' && result.identity.subject).toBe('u-0002');
  });

  it.each([
    ['Straße', 'strasse'],
    ['ＢＯＢ', 'bob'],
    ['  Ann   Lee ', 'ann lee'],
    ['Ann\u00a0Lee', 'ann lee'],
    ['Jose\u0301', 'jos\u00e9'],
  ])('reads %p as the account %p', async (typed, account) => {
    expect((await connector()).canonicalUsername(typed)).toEqual({ kind: 'account', account });
  });

  it('refuses control characters, separators and overlong names, and treats a blank name as no account', async () => {
    const demo = await connector();
    for (const typed of ['bob\u0000', 'bob\r\n', 'b\u200dob', 'bob\u2028', 'x'.repeat(257)]) {
      expect(() => demo.canonicalUsername(typed)).toThrow(
        expect.objectContaining({ code: 'invalid_request' }) as Error,
      );
    }
    expect(demo.canonicalUsername('   ')).toEqual({ kind: 'unacceptable', reason: 'empty username' });
  });

  it('gives a wrong password, an unknown user and an empty password the same kind of answer', async () => {
    const demo = await connector();
    const outcomes = await Promise.all([
      demo.login('alice', 'bob-pass', {}),
      demo.login('mallory', 'alice-pass', {}),
      demo.login('alice', '   ', {}),
    ]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual([
      'invalid_credentials',
      'invalid_credentials',
      'invalid_credentials',
    ]);
    expect(outcomes.map((outcome) => (outcome.kind === 'invalid_credentials' ? outcome.reason : ''))).toEqual(
      ['wrong password', 'unknown user', 'empty password'],
    );
  });

  it('hands out copies, so a caller cannot change the configured user', async () => {
    const demo = await connector();
    const first = await demo.login('alice', 'alice-pass', {});
    if (first.kind === 'authenticated') {
      first.identity.groups.push('root');
    }
    const second = await demo.login('alice', 'alice-pass', {});
    expect(second.kind === 'authenticated' && second.identity.groups).toEqual(['admins', 'developers']);
  });
});

describe('staticConnectorConfigSchema', () => {
  it('reports a malformed hash and duplicate usernames with their paths', async () => {
    const result = staticConnectorConfigSchema.safeParse({
      id: 'demo',
      type: 'static',
      users: [
        { username: 'alice', passwordHash: 'plaintext' },
        { username: 'Alice', passwordHash: await hashPassword('x', 10) },
        { username: 'ａｌｉｃｅ', passwordHash: await hashPassword('x', 10) },
        { username: 'eve\u0000', passwordHash: await hashPassword('x', 10) },
      ],
    });
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(issues).toEqual([
      expect.stringMatching(/^users\.0\.passwordHash: must be a scrypt hash/),
      'users.3.username: The username contains control or invisible characters that no account name can hold',
      'users.1.username: duplicates users[0].username (usernames ignore case, width and extra spaces)',
      'users.2.username: duplicates users[0].username (usernames ignore case, width and extra spaces)',
    ]);
  });

  it('rejects an id that cannot appear in a URL path', () => {
    const result = staticConnectorConfigSchema.safeParse({ id: 'Demo Users', type: 'static', users: [] });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['id', 'users']);
  });
});

describe('password hashes', () => {
  it('round-trips and rejects other passwords', async () => {
    const parsed = parsePasswordHash(await hashPassword('s3cret', 10));
    if (typeof parsed === 'string') {
      throw new Error(parsed);
    }
    expect(await verifyPassword('s3cret', parsed)).toBe(true);
    expect(await verifyPassword('s3cret ', parsed)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same', 10)).not.toBe(await hashPassword('same', 10));
  });

  it.each([
    [
      '$scrypt$ln=30,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==',
      'scrypt ln must be between 10 and 20',
    ],
    [
      '$scrypt$ln=15,r=8,p=9$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==',
      'scrypt r must be 1–16 and p 1–4',
    ],
    [
      '$scrypt$ln=15,r=8,p=1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==',
      'scrypt salt and hash must be at least 16 bytes',
    ],
  ])('bounds the cost parameters: %s', (hash, message) => {
    expect(parsePasswordHash(hash)).toBe(message);
  });
});

describe('StaticConnector refresh', () => {
  it('re-reads the configured user, keeping the sign-in time and MFA, and revokes a removed user', async () => {
    const users = [
      { username: 'alice', passwordHash: await hashPassword('alice-pass', 10), groups: ['a', 'b'] },
      { username: 'bob', passwordHash: await hashPassword('bob-pass', 10), groups: ['c'] },
    ];
    const before = new StaticConnector(
      staticConnectorConfigSchema.parse({ id: 'dev', type: 'static', users }),
    );
    const signedIn = await before.login('alice', 'alice-pass', {});
    if (signedIn.kind !== 'authenticated') {
      throw new Error('alice did not sign in');
    }
    const after = new StaticConnector(
      staticConnectorConfigSchema.parse({
        id: 'dev',
        type: 'static',
        users: [{ ...users[0], groups: ['b'] }, users[1]],
      }),
    );
    const refreshed = await after.refresh(signedIn, {});
    expect(refreshed).toMatchObject({ kind: 'current', identity: { subject: 'alice', groups: ['b'] } });
    expect(refreshed.kind === 'current' && refreshed.identity.authTime).toBe(signedIn.identity.authTime);

    const without = new StaticConnector(
      staticConnectorConfigSchema.parse({ id: 'dev', type: 'static', users: [users[1]] }),
    );
    expect(await without.refresh(signedIn, {})).toEqual({
      kind: 'revoked',
      reason: 'the user is no longer configured',
    });
  });
});
