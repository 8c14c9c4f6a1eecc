import { refusalFromBindMessage, refusalFromEntry } from './account-state';
import { firstRdnValue } from './dn-names';
import { ldapConnectorConfigSchema } from './ldap-connector.config';
import { plainUsername } from './usernames';

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
