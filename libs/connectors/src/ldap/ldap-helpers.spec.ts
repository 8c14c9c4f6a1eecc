import { refusalFromBindMessage, refusalFromEntry } from './account-state';
import { firstRdnValue } from './dn-names';
import { LdapConnector } from './ldap-connector';
import { ldapConnectorConfigSchema } from './ldap-connector.config';
import { RefusalTiming } from './refusal-timing';
import { escapeDnValue, escapeFilterValue, fillTemplate, filterTemplateProblem } from './templates';
import { plainUsername, sameDn, serviceAccountName } from './usernames';

describe('plainUsername', () => {
  const accepted = { downLevelDomains: ['CORP'], upnSuffixes: ['corp.example'] };
  it.each([
    ['alice', 'alice'],
    ['  alice ', 'alice'],
    ['CORP\\alice', 'alice'],
    ['corp\\alice', 'alice'],
    ['alice@corp.example', 'alice'],
    ['alice@Corp.Example', 'alice'],
    ['alice@elsewhere.example', 'alice@elsewhere.example'],
    ['OTHER\\alice', undefined],
    ['CORP\\', undefined],
    ['@corp.example', undefined],
    ['', undefined],
  ])('reads %p as %p', (input, expected) => {
    expect(plainUsername(input, accepted)).toBe(expected);
  });

  it('keeps an @ in the name when no UPN suffixes are configured', () => {
    expect(plainUsername('alice@corp.example', { downLevelDomains: [], upnSuffixes: [] })).toBe(
      'alice@corp.example',
    );
  });
});

describe('templates', () => {
  it('inserts values literally: $-patterns in a value are not expanded', () => {
    for (const value of ['a$&b', "a$'b", 'a$`b', 'a$$b', 'a$1b', '$<name>']) {
      expect(fillTemplate('(uid={username})', { username: value }, escapeFilterValue)).toBe(`(uid=${value})`);
    }
    expect(
      fillTemplate(
        '(|(member={dn})(memberUid={username}))',
        { dn: 'cn=a*,dc=x', username: 'b)(' },
        escapeFilterValue,
      ),
    ).toBe('(|(member=cn=a\\2a,dc=x)(memberUid=b\\29\\28))');
  });

  it('escapes filter values (RFC 4515) and DN values (RFC 4514)', () => {
    expect(escapeFilterValue('*)(uid=*\\\u0000')).toBe('\\2a\\29\\28uid=\\2a\\5c\\00');
    expect(escapeDnValue('Dev, Ops+"x"<y>;z=\\')).toBe('Dev\\, Ops\\+\\"x\\"\\<y\\>\\;z\\=\\\\');
    expect(escapeDnValue(' #lead and trail ')).toBe('\\ #lead and trail\\ ');
    expect(escapeDnValue('#x')).toBe('\\#x');
    expect(escapeDnValue(' ')).toBe('\\ ');
    expect(escapeDnValue('nul\u0000')).toBe('nul\\00');
  });

  it.each([
    ['(uid={username})', undefined],
    ['(&(objectClass=user)(sAMAccountName={username}))', undefined],
    ['(uid=alice)', 'must contain {username}'],
    ['(uid={user})', 'unknown placeholder {user}: only {username} can be used'],
    ['(&(uid={username})', expect.stringMatching(/^is not a valid LDAP filter: /)],
    ['uid={username}', 'must be an LDAP filter in parentheses, e.g. (uid={username})'],
    ['(uid={username})(cn=x)', expect.stringMatching(/^is not a valid LDAP filter: /)],
  ])('judges the user filter %p', (template, problem) => {
    expect(filterTemplateProblem(template, ['username'], ['username'])).toEqual(problem);
  });
});

describe('service account names', () => {
  it.each([
    ['uid=svc-fedgate,ou=people,dc=example,dc=com', 'svc-fedgate'],
    ['CN=Administrator,CN=Users,DC=corp,DC=example', 'Administrator'],
    ['svc@corp.example', 'svc'],
    ['CORP\\svc', 'svc'],
  ])('reads %p as %p', (bindDn, name) => {
    expect(serviceAccountName(bindDn)).toBe(name);
  });

  it('compares DNs without case and spaces around separators', () => {
    expect(sameDn('CN=Svc, OU=Service Accounts,DC=corp', 'cn=svc,ou=service accounts, dc=corp')).toBe(true);
    expect(sameDn('cn=svc,dc=corp', 'cn=svc2,dc=corp')).toBe(false);
  });
});

describe('LdapConnector.canonicalUsername', () => {
  const connector = new LdapConnector(
    ldapConnectorConfigSchema.parse({
      id: 'corp',
      type: 'ldap',
      url: 'ldaps://dc1.corp.example',
      bindDn: 'CN=svc-fedgate,OU=Service Accounts,DC=corp,DC=example',
      bindPassword: 'x',
      usernames: { downLevelDomains: ['CORP'], upnSuffixes: ['corp.example'] },
      userSearch: { baseDn: 'DC=corp,DC=example', filter: '(sAMAccountName={username})' },
    }),
  );

  it.each([
    'alice',
    ' Alice ',
    'CORP\\alice',
    'corp\\ALICE',
    'alice@corp.example',
    'ALICE@Corp.Example',
    'ａｌｉｃｅ',
    'ＣＯＲＰ＼ａｌｉｃｅ',
  ])('reads %p as alice', (typed) => {
    expect(connector.canonicalUsername(typed)).toEqual({ kind: 'account', account: 'alice' });
  });

  it('refuses the service account as a user, in any spelling', () => {
    for (const typed of ['svc-fedgate', 'CORP\\SVC-FEDGATE', 'svc-fedgate@corp.example']) {
      expect(connector.canonicalUsername(typed)).toEqual({
        kind: 'unacceptable',
        reason: 'the service account cannot sign in as a user',
      });
    }
  });

  it('refuses characters no name can hold, and unlisted domains', () => {
    expect(() => connector.canonicalUsername('alice\u0000x')).toThrow(
      expect.objectContaining({ code: 'invalid_request' }) as Error,
    );
    expect(connector.canonicalUsername('OTHER\\alice')).toEqual({
      kind: 'unacceptable',
      reason: 'username form not accepted',
    });
  });

  it('authenticates only what canonicalUsername hands out, without asking the directory', async () => {
    // Nothing listens at dc1.corp.example: anything that reached the directory would throw.
    expect(await connector.login('Alice', 'pw', {})).toEqual({
      kind: 'invalid_credentials',
      reason: 'not a canonical account name',
    });
    expect(await connector.login('svc-fedgate', 'pw', {})).toEqual({
      kind: 'invalid_credentials',
      reason: 'the service account cannot sign in as a user',
    });
  });
});

describe('RefusalTiming', () => {
  it('follows the median of the recent binds', () => {
    const timing = new RefusalTiming();
    expect(timing.median()).toBeUndefined();
    for (const milliseconds of [30, 10, 20]) {
      timing.record(milliseconds);
    }
    expect(timing.median()).toBe(20);
    timing.record(40);
    expect(timing.median()).toBe(25);
    for (let index = 0; index < 40; index++) {
      timing.record(100);
    }
    expect(timing.median()).toBe(100);
  });

  it('waits out the median since the start', async () => {
    const timing = new RefusalTiming();
    timing.record(60);
    const started = performance.now();
    await timing.padFrom(started);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});

describe('firstRdnValue', () => {
  it.each([
    ['cn=developers,ou=groups,dc=example,dc=com', 'developers'],
    ['cn=Dev\\2C Ops,ou=groups,dc=example,dc=com', 'Dev, Ops'],
    ['CN=Dev\\, Ops,OU=Groups', 'Dev, Ops'],
    ['cn=a\\+b+sn=c,dc=x', 'a+b'],
    ['cn=quote\\"d,dc=x', 'quote"d'],
  ])('reads %p as %p', (dn, expected) => {
    expect(firstRdnValue(dn)).toBe(expected);
  });
});

describe('account state', () => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  it.each([
    [{ userAccountControl: '514' }, 'account disabled'],
    [{ userAccountControl: '512', accountExpires: '116444736000000000' }, 'account expired'],
    [{ userAccountControl: '512', accountExpires: '0' }, undefined],
    [{ userAccountControl: '512', accountExpires: '9223372036854775807' }, undefined],
    [{ userAccountControl: '512', accountExpires: '140000000000000000' }, undefined],
    [{ userAccountControl: '512', pwdLastSet: '0' }, 'password must be changed'],
    [{ userAccountControl: '512', pwdLastSet: '133000000000000000' }, undefined],
  ])('reads the Active Directory entry %p as %p', (entry, expected) => {
    expect(refusalFromEntry('active-directory', entry, now)).toBe(expected);
  });

  it('reads OpenLDAP ppolicy lock', () => {
    expect(refusalFromEntry('openldap', { pwdAccountLockedTime: '000001010000Z' }, now)).toBe(
      'account locked',
    );
    expect(refusalFromEntry('openldap', {}, now)).toBeUndefined();
  });

  it.each([
    [
      '80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 775, v4563',
      'account locked',
    ],
    ['... data 533, v893', 'account disabled'],
    ['... data 701, v893', 'account expired'],
    ['... data 532, v893', 'password expired'],
    ['... data 773, v893', 'password must be changed'],
    ['... data 52e, v893', undefined],
    ['Invalid credentials', undefined],
  ])('reads the bind message %p as %p', (message, expected) => {
    expect(refusalFromBindMessage(message)).toBe(expected);
  });
});

describe('ldapConnectorConfigSchema', () => {
  const base = {
    id: 'corp',
    type: 'ldap',
    bindDn: 'cn=svc',
    bindPassword: 'x',
    userSearch: { baseDn: 'dc=example,dc=com' },
  };

  it('refuses plaintext ldap:// unless StartTLS or insecure is set', () => {
    const plain = ldapConnectorConfigSchema.safeParse({ ...base, url: 'ldap://dc1:389' });
    expect(plain.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'url: ldap:// sends passwords in clear: use ldaps://, set startTls: true, or (tests only) insecure: true',
    ]);
    expect(ldapConnectorConfigSchema.safeParse({ ...base, url: 'ldap://dc1', startTls: true }).success).toBe(
      true,
    );
    expect(ldapConnectorConfigSchema.safeParse({ ...base, url: 'ldap://dc1', insecure: true }).success).toBe(
      true,
    );
  });

  it('refuses a group filter that does not parse or uses an unknown placeholder, at load', () => {
    const result = ldapConnectorConfigSchema.safeParse({
      ...base,
      url: 'ldaps://dc1',
      userSearch: { baseDn: 'dc=x', filter: '(&(uid={username})' },
      groups: { mode: 'search', baseDn: 'dc=x', filter: '(member={userdn})' },
    });
    expect(result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      expect.stringMatching(/^userSearch\.filter: is not a valid LDAP filter/),
      'groups.filter: unknown placeholder {userdn}: only {dn}, {username} can be used',
    ]);
  });

  it('refuses StartTLS on ldaps://, a filter without {username}, and timeouts out of range', () => {
    const result = ldapConnectorConfigSchema.safeParse({
      ...base,
      url: 'ldaps://dc1',
      startTls: true,
      connectTimeout: '5m',
      userSearch: { baseDn: 'dc=x', filter: '(uid=alice)' },
    });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([
      'connectTimeout',
      'userSearch.filter',
    ]);
  });

  it('applies the defaults', () => {
    const config = ldapConnectorConfigSchema.parse({ ...base, url: 'ldaps://dc1.corp.example:636' });
    expect(config).toMatchObject({
      connectTimeout: 5000,
      operationTimeout: 5000,
      directory: 'openldap',
      groupName: 'cn',
      userSearch: { filter: '(uid={username})' },
      attributes: { subject: 'entryUUID', username: 'uid' },
    });
  });
});
