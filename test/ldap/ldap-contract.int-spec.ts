/**
 * The password connector contract (libs/connectors/src/connector.contract.ts)
 * for the LDAP connector against a real OpenLDAP (slapd, over TLS).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LdapConnector, ldapConnectorConfigSchema } from '@fedgate/connectors';
import { RedisStore } from '@fedgate/store';
import { describePasswordConnectorContract } from '../../libs/connectors/src/connector.contract';
import { describePasswordSignInContract } from '../../libs/flows/src/sign-in/password-sign-in.contract';
import { freePort } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import { startSlapd, type SlapdServer } from '../harness/slapd';

let slapd: SlapdServer;
let connector: LdapConnector;
let unreachable: LdapConnector;
let redis: RedisServer;

function ldapConnector(url: string): LdapConnector {
  return new LdapConnector(
    ldapConnectorConfigSchema.parse({
      id: 'corp',
      type: 'ldap',
      url,
      tls: { ca: readFileSync(slapd.caCertFile, 'utf8') },
      bindDn: slapd.service.dn,
      bindPassword: slapd.service.password,
      connectTimeout: '2s',
      operationTimeout: '2s',
      userSearch: {
        baseDn: `ou=people,${slapd.baseDn}`,
        filter: '(&(objectClass=inetOrgPerson)(uid={username}))',
      },
      attributes: { extra: { department: 'departmentNumber' } },
      groups: { mode: 'memberOf' },
    }),
  );
}

beforeAll(async () => {
  [slapd, redis] = await Promise.all([startSlapd(), startRedis()]);
  connector = ldapConnector(slapd.ldapsUrl);
  // Nothing listens there: any connection attempt fails at once.
  unreachable = ldapConnector(`ldaps://127.0.0.1:${await freePort()}`);
});

afterAll(async () => {
  await connector.close();
  await unreachable.close();
  await slapd.stop();
  await redis.stop();
});

describePasswordConnectorContract('ldap on slapd', { externalSource: true }, () => ({
  connector,
  known: { spellings: ['alice', 'Alice', ' ALICE '], password: 'alice-password' },
  unknownUser: 'mallory',
  unreachable,
}));

describePasswordSignInContract('ldap on slapd', () => ({
  connector,
  known: { spellings: ['alice', 'Alice', ' ALICE ', 'ａｌｉｃｅ'], password: 'alice-password' },
  openStore: () => RedisStore.connect({ url: redis.url, keyPrefix: `sign-in-contract:${randomUUID()}:` }),
}));
