/**
 * The password connector contract (libs/connectors/src/connector.contract.ts)
 * for the LDAP connector against a real Active Directory (Samba AD DC), where
 * one account has several spellings: plain, down-level and UPN.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LdapConnector, ldapConnectorConfigSchema } from '@fedgate/connectors';
import { RedisStore } from '@fedgate/store';
import { describePasswordConnectorContract } from '../../libs/connectors/src/connector.contract';
import { describePasswordSignInContract } from '../../libs/flows/src/sign-in/password-sign-in.contract';
import { freePort } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import { startSambaAd, type SambaAdServer } from '../harness/samba-ad';

let ad: SambaAdServer;
let connector: LdapConnector;
let unreachable: LdapConnector;
let redis: RedisServer;

function adConnector(url: string): LdapConnector {
  return new LdapConnector(
    ldapConnectorConfigSchema.parse({
      id: 'corp-ad',
      type: 'ldap',
      directory: 'active-directory',
      url,
      tls: { ca: readFileSync(ad.caCertFile, 'utf8') },
      bindDn: ad.admin.dn,
      bindPassword: ad.admin.password,
      connectTimeout: '2s',
      usernames: { downLevelDomains: ['CORP'], upnSuffixes: ['corp.example'] },
      userSearch: { baseDn: ad.baseDn, filter: '(&(objectClass=user)(sAMAccountName={username}))' },
      attributes: { subject: 'objectGUID', username: 'sAMAccountName', email: 'mail' },
      groups: { mode: 'ad-nested', baseDn: ad.baseDn },
    }),
  );
}

beforeAll(async () => {
  [ad, redis] = await Promise.all([startSambaAd(), startRedis()]);
  connector = adConnector(ad.ldapsUrl);
  unreachable = adConnector(`ldaps://127.0.0.1:${await freePort()}`);
}, 180_000);

afterAll(async () => {
  await connector.close();
  await unreachable.close();
  // Unset when beforeAll failed; jest still runs afterAll.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  await ad?.stop();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  await redis?.stop();
});

describePasswordConnectorContract('ldap on Samba AD', { externalSource: true }, () => ({
  connector,
  known: {
    spellings: ['alice', 'CORP\\alice', 'corp\\ALICE', 'alice@corp.example', 'Alice@CORP.EXAMPLE', ' alice '],
    password: ad.passwords.alice,
  },
  unknownUser: 'mallory',
  unreachable,
}));

describePasswordSignInContract('ldap on Samba AD', () => ({
  connector,
  known: {
    spellings: ['alice', 'CORP\\alice', 'corp\\ALICE', 'alice@corp.example', 'Alice@CORP.EXAMPLE', ' alice '],
    password: ad.passwords.alice,
  },
  openStore: () => RedisStore.connect({ url: redis.url, keyPrefix: `sign-in-contract:${randomUUID()}:` }),
}));
