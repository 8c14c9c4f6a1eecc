/**
 * The LDAP connector against a real Active Directory (Samba): UPN and
 * down-level logon names, objectGUID subjects, nested groups through the
 * in-chain matching rule, and AD's account states, each refused with its
 * real reason for the audit and the same outcome for the client, also one
 * after another on one pooled user-bind connection.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { LdapConnector, ldapConnectorConfigSchema, type PasswordLoginResult } from '@fedgate/connectors';
import { makeTempDir } from '../harness/processes';
import { startSambaAd, type SambaAdServer } from '../harness/samba-ad';
import { makeTestCertificates } from '../harness/tls';
import { startCountingLdapProxy } from './counting-ldap-proxy';

describe('LdapConnector against Active Directory', () => {
  let ad: SambaAdServer;
  let connector: LdapConnector;

  beforeAll(async () => {
    ad = await startSambaAd();
    connector = new LdapConnector(configFor(ad.ldapsUrl, readFileSync(ad.caCertFile, 'utf8')));
  }, 180_000);

  function configFor(url: string, ca: string) {
    return ldapConnectorConfigSchema.parse({
      id: 'corp-ad',
      type: 'ldap',
      directory: 'active-directory',
      url,
      tls: { ca },
      bindDn: ad.admin.dn,
      bindPassword: ad.admin.password,
      usernames: { downLevelDomains: ['CORP'], upnSuffixes: ['corp.example'] },
      userSearch: { baseDn: ad.baseDn, filter: '(&(objectClass=user)(sAMAccountName={username}))' },
      attributes: {
        subject: 'objectGUID',
        username: 'sAMAccountName',
        email: 'mail',
        displayName: 'displayName',
        extra: { department: 'department', employeeId: 'employeeID' },
      },
      groups: { mode: 'ad-nested', baseDn: ad.baseDn },
    });
  }

  afterAll(async () => {
    // Unset when beforeAll failed; jest still runs afterAll.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    await ad?.stop();
  });

  /** What the sign-in flow does: the typed name reduced to its account, then the connector's verdict. */
  async function loginAs(typed: string, password: string): Promise<PasswordLoginResult> {
    const canonical = connector.canonicalUsername(typed);
    return canonical.kind === 'account'
      ? connector.login(canonical.account, password, {})
      : { kind: 'invalid_credentials', reason: canonical.reason };
  }

  function identityOf(result: PasswordLoginResult) {
    if (result.kind !== 'authenticated') {
      throw new Error(`expected a login, got ${result.kind}: ${result.reason}`);
    }
    return result.identity;
  }

  it.each(['alice', 'CORP\\alice', 'corp\\alice', 'alice@corp.example', 'alice@CORP.EXAMPLE'])(
    'signs alice in as %p, with nested groups from the in-chain matching rule',
    async (username) => {
      const identity = identityOf(await loginAs(username, ad.passwords.alice));
      expect(identity).toMatchObject({
        connectorId: 'corp-ad',
        username: 'alice',
        email: 'alice@corp.example',
        groups: ['Developers', 'Engineering'],
        attributes: { department: ['Engineering'], employeeId: ['E-1001'] },
      });
      expect(identity.subject).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    },
  );

  it('gives alice the same subject however she spells her name', async () => {
    const first = identityOf(await loginAs('alice', ad.passwords.alice));
    const second = identityOf(await loginAs('CORP\\alice', ad.passwords.alice));
    expect(second.subject).toBe(first.subject);
  });

  it.each([
    ['a wrong password', 'alice', 'not-her-password', 'wrong password'],
    ['a domain it was not told to accept', 'OTHER\\alice', 'Alice-Passw0rd!', 'username form not accepted'],
    ['a disabled account', 'bob', 'Bob-Passw0rd!', 'account disabled'],
    ['a locked-out account', 'carol', 'Carol-Passw0rd!', 'account locked'],
    ['an expired account', 'dave', 'Dave-Passw0rd!', 'account expired'],
    ['an account that must change its password', 'erin', 'Erin-Passw0rd!', 'password must be changed'],
  ])('refuses %s with the real reason for the audit', async (_case, username, password, reason) => {
    expect(await loginAs(username, password)).toEqual({ kind: 'invalid_credentials', reason });
  });

  it('refuses and signs in one login after another on one pooled user-bind connection', async () => {
    const dir = await makeTempDir('fedgate-ad-proxy-');
    const certificates = await makeTestCertificates(dir);
    const proxy = await startCountingLdapProxy(ad.ldapsUrl, ad.caCertFile, {
      certFile: certificates.serverCertFile,
      keyFile: certificates.serverKeyFile,
    });
    const pooled = new LdapConnector(configFor(proxy.url, readFileSync(certificates.caCertFile, 'utf8')));
    try {
      // carol is refused by the bind (data 775), erin before it (a decoy bind), alice by a
      // wrong password: each leaves the connection to the next user's bind.
      expect(await pooled.login('carol', ad.passwords.carol, {})).toEqual({
        kind: 'invalid_credentials',
        reason: 'account locked',
      });
      expect(identityOf(await pooled.login('alice', ad.passwords.alice, {})).username).toBe('alice');
      expect(await pooled.login('alice', 'not-her-password', {})).toEqual({
        kind: 'invalid_credentials',
        reason: 'wrong password',
      });
      expect(await pooled.login('erin', ad.passwords.erin, {})).toEqual({
        kind: 'invalid_credentials',
        reason: 'password must be changed',
      });
      expect(identityOf(await pooled.login('alice', ad.passwords.alice, {})).username).toBe('alice');
      // One service connection and one user-bind connection for all five.
      expect(proxy.connections()).toBe(2);
      const binds = proxy.requests().filter((request) => request.operation === 'bind');
      expect(binds).toHaveLength(6);
      const userBinds = binds.slice(1);
      expect(new Set(userBinds.map((request) => request.connection)).size).toBe(1);
      expect(userBinds[0]?.connection).not.toBe(binds[0]?.connection);
    } finally {
      await pooled.close();
      await proxy.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
