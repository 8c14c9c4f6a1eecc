/**
 * The LDAP connector re-checks signed-in users against a real Active Directory (Samba) with the
 * service account: changed groups take effect, and a user disabled, deleted or replaced in the
 * directory loses the session. Through the broker: disabled after sign-in, the next credential
 * request is refused.
 */
import { readFileSync } from 'node:fs';
import { LdapConnector, ldapConnectorConfigSchema, type SignedIn } from '@fedgate/connectors';
import { startSambaAd, type SambaAdServer } from '../harness/samba-ad';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { BROKER_SECRET_KEY } from '../broker/slice-config';

const REFRESH_INTERVAL_SECONDS = 60;

const STS_LOCAL_YAML = `
accounts:
  - id: '123456789012'
    users:
      - { name: fedgate-broker, accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: '\${env:BROKER_SECRET}' }
    roles:
      - name: fedgate-Developer
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: 'arn:aws:iam::123456789012:user/fedgate-broker' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
`;

describe('LDAP identity refresh against Active Directory', () => {
  let ad: SambaAdServer;
  let connectorConfig: Record<string, unknown>;
  let connector: LdapConnector;

  beforeAll(async () => {
    ad = await startSambaAd();
    connectorConfig = {
      id: 'corp-ad',
      type: 'ldap',
      directory: 'active-directory',
      url: ad.ldapsUrl,
      tls: { ca: readFileSync(ad.caCertFile, 'utf8') },
      bindDn: ad.admin.dn,
      bindPassword: ad.admin.password,
      usernames: { downLevelDomains: ['CORP'], upnSuffixes: ['corp.example'] },
      userSearch: { baseDn: ad.baseDn, filter: '(&(objectClass=user)(sAMAccountName={username}))' },
      attributes: {
        subject: 'objectGUID',
        username: 'sAMAccountName',
        email: 'mail',
        displayName: 'displayName',
      },
      groups: { mode: 'ad-nested', baseDn: ad.baseDn },
    };
    connector = new LdapConnector(ldapConnectorConfigSchema.parse(connectorConfig));
  }, 180_000);

  afterAll(async () => {
    await connector.close();
    // Unset when beforeAll failed; jest still runs afterAll.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    await ad?.stop();
  });

  const userDn = (name: string) => `CN=${name},CN=Users,${ad.baseDn}`;

  async function signIn(name: string, password: string): Promise<SignedIn> {
    const result = await connector.login(name, password, {});
    if (result.kind !== 'authenticated') {
      throw new Error(`expected ${name} to sign in: ${result.reason}`);
    }
    return result;
  }

  it('keeps the sign-in time and MFA, and picks up changed groups', async () => {
    await ad.addUser({ name: 'grace', password: 'Grace-Passw0rd!' });
    const signedIn = await signIn('grace', 'Grace-Passw0rd!');
    expect(signedIn.identity.groups).toEqual([]);
    expect(signedIn.connectorData).toBe('grace');

    await ad.modify(
      `dn: CN=Developers,CN=Users,${ad.baseDn}\nchangetype: modify\nadd: member\nmember: ${userDn('grace')}\n`,
    );
    const refreshed = await connector.refresh(signedIn, {});
    expect(refreshed).toMatchObject({
      kind: 'current',
      connectorData: 'grace',
      identity: {
        subject: signedIn.identity.subject,
        groups: ['Developers', 'Engineering'],
        authTime: signedIn.identity.authTime,
        mfa: signedIn.identity.mfa,
      },
    });
  });

  it('revokes a user disabled, deleted, or whose name now belongs to another entry', async () => {
    await ad.addUser({ name: 'heidi', password: 'Heidi-Passw0rd!' });
    const heidi = await signIn('heidi', 'Heidi-Passw0rd!');
    await ad.modify(
      `dn: ${userDn('heidi')}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 514\n`,
    );
    expect(await connector.refresh(heidi, {})).toEqual({ kind: 'revoked', reason: 'account disabled' });

    await ad.addUser({ name: 'ivan', password: 'Ivan-Passw0rd!' });
    const ivan = await signIn('ivan', 'Ivan-Passw0rd!');
    await ad.modify(`dn: ${userDn('ivan')}\nchangetype: delete\n`);
    expect(await connector.refresh(ivan, {})).toEqual({ kind: 'revoked', reason: 'unknown user' });
    // A new account under the old name is someone else.
    await ad.addUser({ name: 'ivan', password: 'Ivan-Passw0rd-2!' });
    expect(await connector.refresh(ivan, {})).toEqual({
      kind: 'revoked',
      reason: 'the account name now belongs to another entry',
    });
  });

  it('throws, keeping the session, when the directory cannot answer', async () => {
    const unreachable = new LdapConnector(
      ldapConnectorConfigSchema.parse({
        ...connectorConfig,
        id: 'down',
        url: 'ldaps://127.0.0.1:1',
        connectTimeout: '1s',
      }),
    );
    try {
      await expect(
        unreachable.refresh(
          { identity: (await signIn('alice', ad.passwords.alice)).identity, connectorData: 'alice' },
          {},
        ),
      ).rejects.toMatchObject({ code: 'idp_unavailable' });
    } finally {
      await unreachable.close();
    }
  });

  describe('through the broker', () => {
    let sts: TestStsLocal;
    let broker: RunningBroker;
    let clock = Date.now();

    beforeAll(async () => {
      sts = await startTestStsLocal(stsLocalConfigFrom(STS_LOCAL_YAML, { BROKER_SECRET: BROKER_SECRET_KEY }));
      const yaml = `
session: { refreshInterval: ${REFRESH_INTERVAL_SECONDS}s }
connectors:
  - ${JSON.stringify(connectorConfig)}
backends:
  - { id: local, type: sts, endpoint: ${sts.url}, region: us-east-1, maxAttempts: 1, credentials: { accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: "\${env:BROKER_SECRET}" } }
accounts:
  - { id: "123456789012", name: sandbox, backend: local }
permissionSets:
  - { name: Developer, roleName: fedgate-Developer, sessionDuration: 1h }
assignments:
  - { match: { groups: [Developers] }, accounts: [sandbox], permissionSets: [Developer] }
`;
      broker = await startBroker(configFrom(yaml, { BROKER_SECRET: BROKER_SECRET_KEY }), {
        now: () => clock,
      });
    });

    afterAll(async () => {
      await broker.stop();
      await sts.stop();
    });

    it('refuses the next credential request of a user disabled after sign-in', async () => {
      await ad.addUser({ name: 'judy', password: 'Judy-Passw0rd!' });
      await ad.modify(
        `dn: CN=Developers,CN=Users,${ad.baseDn}\nchangetype: modify\nadd: member\nmember: ${userDn('judy')}\n`,
      );
      const judy = new HttpClient(broker.url);
      expect((await judy.login('corp-ad', 'CORP\\judy', 'Judy-Passw0rd!')).status).toBe(200);
      const request = { json: { accountId: 'sandbox', permissionSet: 'Developer' } };
      expect((await judy.request('POST', '/api/v1/credentials', request)).status).toBe(200);

      await ad.modify(
        `dn: ${userDn('judy')}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 514\n`,
      );
      clock += (REFRESH_INTERVAL_SECONDS + 1) * 1000;
      expect((await judy.request('POST', '/api/v1/credentials', request)).status).toBe(401);
      expect((await judy.request('GET', '/api/v1/me')).status).toBe(401);
      expect(
        broker.logs.lines().filter((line) => line.msg === 'audit' && line.event === 'identity_refresh'),
      ).toEqual([
        expect.objectContaining({ connector: 'corp-ad', outcome: 'revoked', reason: 'account disabled' }),
      ]);
    });
  });
});
