/**
 * The LDAP connector against a real OpenLDAP (slapd, TLS from the harness
 * CA): search-then-bind, every group mode, account state, TLS failures,
 * filter-injection attempts, and directories that refuse or hang.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { isFedgateError } from '@fedgate/core';
import { LdapConnector, ldapConnectorConfigSchema, type PasswordLoginResult } from '@fedgate/connectors';
import { freePort } from '../harness/processes';
import { LDAP_BASE_DN, startSlapd, type SlapdServer } from '../harness/slapd';

const GROUPS_DN = `ou=groups,${LDAP_BASE_DN}`;

describe('LdapConnector against slapd', () => {
  let slapd: SlapdServer;

  beforeAll(async () => {
    slapd = await startSlapd();
  });

  afterAll(async () => {
    await slapd.stop();
  });

  function connector(overrides: Record<string, unknown> = {}): LdapConnector {
    return new LdapConnector(
      ldapConnectorConfigSchema.parse({
        id: 'corp',
        type: 'ldap',
        url: slapd.ldapsUrl,
        tls: { ca: readFileSync(slapd.caCertFile, 'utf8') },
        bindDn: slapd.service.dn,
        bindPassword: slapd.service.password,
        connectTimeout: '2s',
        operationTimeout: '2s',
        userSearch: {
          baseDn: `ou=people,${slapd.baseDn}`,
          filter: '(&(objectClass=inetOrgPerson)(uid={username}))',
        },
        attributes: { extra: { department: 'departmentNumber', employeeId: 'employeeNumber' } },
        groups: { mode: 'memberOf' },
        ...overrides,
      }),
    );
  }

  function identityOf(result: PasswordLoginResult) {
    if (result.kind !== 'authenticated') {
      throw new Error(`expected a login, got ${result.kind}: ${result.reason}`);
    }
    return result.identity;
  }

  it('signs alice in over ldaps with her entry, attributes and memberOf groups', async () => {
    const identity = identityOf(await connector().login('alice', 'alice-password', {}));
    expect(identity).toMatchObject({
      connectorId: 'corp',
      username: 'alice',
      email: 'alice@example.com',
      emailVerified: true,
      displayName: 'Alice Liddell',
      groups: ['developers', 'team-a'],
      attributes: { department: ['Engineering'], employeeId: ['E-1001'] },
    });
    expect(identity.subject).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('signs in over ldap:// upgraded with StartTLS', async () => {
    const identity = identityOf(
      await connector({ url: slapd.ldapUrl, startTls: true }).login('bob', 'bob-password', {}),
    );
    expect(identity.username).toBe('bob');
  });

  it('binds users one after another over StartTLS on pooled connections: refused, then each as themselves', async () => {
    const ldap = connector({ url: slapd.ldapUrl, startTls: true });
    try {
      expect(await ldap.login('bob', 'alice-password', {})).toEqual({
        kind: 'invalid_credentials',
        reason: 'wrong password',
      });
      expect(identityOf(await ldap.login('bob', 'bob-password', {})).username).toBe('bob');
      expect(identityOf(await ldap.login('alice', 'alice-password', {})).username).toBe('alice');
      expect(await ldap.login('bob', 'alice-password', {})).toEqual({
        kind: 'invalid_credentials',
        reason: 'wrong password',
      });
      expect(await ldap.login('carol', 'carol-password', {})).toEqual({
        kind: 'invalid_credentials',
        reason: 'account locked',
      });
      expect(identityOf(await ldap.login('bob', 'bob-password', {})).username).toBe('bob');
    } finally {
      await ldap.close();
    }
  });

  it.each([
    [
      'search (member/uniqueMember)',
      { mode: 'search', baseDn: GROUPS_DN },
      'bob',
      'bob-password',
      ['Dev, Ops'],
    ],
    [
      'search (memberUid)',
      { mode: 'search', baseDn: GROUPS_DN, filter: '(memberUid={username})' },
      'bob',
      'bob-password',
      ['ops-posix'],
    ],
    [
      'recursive (nested)',
      { mode: 'recursive', baseDn: GROUPS_DN },
      'alice',
      'alice-password',
      ['developers', 'engineering', 'team-a'],
    ],
    [
      'recursive (a cycle)',
      { mode: 'recursive', baseDn: GROUPS_DN },
      'dave',
      'dave-password',
      ['cycle-a', 'cycle-b'],
    ],
  ])('resolves groups by %s', async (_mode, groups, username, password, expected) => {
    const identity = identityOf(await connector({ groups }).login(username, password, {}));
    expect(identity.groups).toEqual(expected);
  });

  it('names groups by full DN when configured, escaped as the directory writes them', async () => {
    const identity = identityOf(
      await connector({
        groups: { mode: 'search', baseDn: GROUPS_DN },
        groupName: 'dn',
      }).login('bob', 'bob-password', {}),
    );
    expect(identity.groups).toEqual(['cn=Dev\\2C Ops,ou=groups,dc=example,dc=com']);
  });

  it.each([
    ['a wrong password', 'alice', 'not-alice', 'wrong password'],
    ['an unknown user', 'mallory', 'whatever', 'unknown user'],
    ['a user locked by the password policy', 'carol', 'carol-password', 'account locked'],
    ['an empty password', 'alice', '', 'empty password'],
    ['a whitespace password', 'alice', '  \t', 'empty password'],
  ])(
    'refuses %s with the same outcome and the real reason for the audit',
    async (_case, username, password, reason) => {
      expect(await connector().login(username, password, {})).toEqual({
        kind: 'invalid_credentials',
        reason,
      });
    },
  );

  it.each([
    '*',
    '*)(uid=*',
    'admin)(|(objectClass=*)',
    'alice)(uid=bob',
    'uid=alice,ou=people',
    '\\2a',
    "alice$'",
    '$&',
    'alice$`)(uid=*',
  ])('refuses the filter-injection attempt %p without matching anyone', async (username) => {
    const ldap = connector();
    const canonical = ldap.canonicalUsername(username);
    // Either refused as a form (a down-level name of no listed domain) or searched for literally,
    // matching no entry: never a broken filter (503), never someone else.
    const result =
      canonical.kind === 'account'
        ? await ldap.login(canonical.account, 'alice-password', {})
        : { kind: 'invalid_credentials', reason: canonical.reason };
    expect(result).toEqual({
      kind: 'invalid_credentials',
      reason: username.includes('\\') ? 'username form not accepted' : 'unknown user',
    });
  });

  it('refuses a name with a control character before any search, even one the directory would cut short', () => {
    for (const username of ['alice\u0000', 'alice\u0000x', 'alice\n']) {
      expect(() => connector().canonicalUsername(username)).toThrow(
        expect.objectContaining({ code: 'invalid_request' }) as Error,
      );
    }
  });

  it('refuses a directory certificate its CA does not sign, or a name it does not carry', async () => {
    for (const tls of [
      {},
      { ca: readFileSync(slapd.caCertFile, 'utf8'), serverName: 'ldap.elsewhere.example' },
    ]) {
      const error = await connector({ tls })
        .login('alice', 'alice-password', {})
        .catch((caught: unknown) => caught);
      expect(isFedgateError(error) && error.code).toBe('idp_unavailable');
    }
  });

  it('reports a refused service account as the directory being unavailable, not a wrong password', async () => {
    const error = await connector({ bindPassword: 'not-the-service-password' })
      .login('alice', 'alice-password', {})
      .catch((caught: unknown) => caught);
    expect(isFedgateError(error) && error.code).toBe('idp_unavailable');
  });
});

describe('LdapConnector against directories that misbehave', () => {
  let server: Server;
  let port: number;
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();

  async function listen(onConnection: (socket: Socket) => void): Promise<void> {
    port = await freePort();
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      onConnection(socket);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  }

  afterEach(async () => {
    for (const socket of sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    received.length = 0;
  });

  function connectorAt(url: string, extra: Record<string, unknown> = {}): LdapConnector {
    return new LdapConnector(
      ldapConnectorConfigSchema.parse({
        id: 'corp',
        type: 'ldap',
        url,
        bindDn: 'uid=svc,dc=example,dc=com',
        bindPassword: 'service-secret',
        connectTimeout: '1s',
        operationTimeout: '1s',
        userSearch: { baseDn: 'dc=example,dc=com' },
        ...extra,
      }),
    );
  }

  it('aborts when StartTLS is refused, before any credential is sent', async () => {
    // A server that answers nothing useful and hangs up: the StartTLS request fails.
    await listen((socket) => {
      socket.once('data', () => socket.end());
    });
    const error = await connectorAt(`ldap://127.0.0.1:${port}`, { startTls: true })
      .login('alice', 'user-secret', {})
      .catch((caught: unknown) => caught);
    expect(isFedgateError(error) && error.code).toBe('idp_unavailable');
    const bytes = Buffer.concat(received).toString('latin1');
    expect(bytes).toContain('1.3.6.1.4.1.1466.20037');
    expect(bytes).not.toContain('service-secret');
    expect(bytes).not.toContain('user-secret');
  });

  it('fails within the timeout when the directory accepts connections and never answers, 100 logins at once', async () => {
    await listen(() => undefined);
    const hung = connectorAt(`ldap://127.0.0.1:${port}`, { insecure: true });
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        hung.login(`user${index}`, 'secret', {}).then(
          () => 'logged in',
          (error: unknown) => (isFedgateError(error) ? error.code : 'other error'),
        ),
      ),
    );
    expect(new Set(outcomes)).toEqual(new Set(['idp_unavailable']));
    // Every connection the logins opened was closed again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sockets.size).toBe(0);
  });
});

describe('LdapConnector reusing its service connection', () => {
  let slapd: SlapdServer;

  beforeAll(async () => {
    // slapd drops connections idle for a second: the pooled service connection will be cut.
    slapd = await startSlapd({ idleTimeoutSeconds: 1 });
  });

  afterAll(async () => {
    await slapd.stop();
  });

  it('never searches unauthenticated after the directory dropped an idle pooled connection', async () => {
    // The directory's ACL lets only the service account read entries: an unauthenticated
    // search would find nobody, and alice would be "unknown".
    const connector = new LdapConnector(
      ldapConnectorConfigSchema.parse({
        id: 'corp',
        type: 'ldap',
        url: slapd.ldapsUrl,
        tls: { ca: readFileSync(slapd.caCertFile, 'utf8') },
        bindDn: slapd.service.dn,
        bindPassword: slapd.service.password,
        userSearch: { baseDn: `ou=people,${LDAP_BASE_DN}` },
        groups: { mode: 'memberOf' },
      }),
    );
    try {
      const first = await connector.login('alice', 'alice-password', {});
      expect(first.kind).toBe('authenticated');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const second = await connector.login('alice', 'alice-password', {});
      expect(second.kind === 'authenticated' && second.identity.groups).toEqual(['developers', 'team-a']);
    } finally {
      await connector.close();
    }
  });
});
