/**
 * LDAP end to end: a directory login through the broker → entitlements
 * from nested groups → credentials from moto_server that sign a real call.
 * And a directory outage answers 503, never "wrong password".
 */
import {
  callerIdentityWith,
  configFrom,
  HttpClient,
  startBroker,
  type RunningBroker,
} from '../broker/broker-harness';
import { BROKER_SECRET_KEY } from '../broker/slice-config';
import { startMoto, type MotoServer } from '../harness/moto';
import { LDAP_BASE_DN, startSlapd, type SlapdServer } from '../harness/slapd';

function ldapConfig(slapd: SlapdServer, stsEndpoint: string): string {
  return `
connectors:
  - id: corp
    type: ldap
    name: Corp directory
    url: ${slapd.ldapsUrl}
    tls: { ca: "\${file:${slapd.caCertFile}}" }
    bindDn: "${slapd.service.dn}"
    bindPassword: "\${env:LDAP_BIND_PASSWORD}"
    connectTimeout: 2s
    operationTimeout: 2s
    userSearch: { baseDn: "ou=people,${LDAP_BASE_DN}" }
    attributes: { extra: { department: departmentNumber } }
    groups: { mode: recursive, baseDn: "ou=groups,${LDAP_BASE_DN}" }
backends:
  - id: moto
    type: sts
    endpoint: ${stsEndpoint}
    maxAttempts: 1
    credentials: { accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: "\${env:BROKER_SECRET}" }
accounts:
  - { id: "123456789012", name: sandbox, backend: moto }
permissionSets:
  - { name: Engineer, roleName: fedgate-Engineer, sessionDuration: 1h }
assignments:
  - { match: { groups: [engineering] }, accounts: [sandbox], permissionSets: [Engineer] }
`;
}

describe('LDAP login through the broker', () => {
  let slapd: SlapdServer;
  let moto: MotoServer;
  let broker: RunningBroker;

  beforeAll(async () => {
    [slapd, moto] = await Promise.all([startSlapd(), startMoto()]);
    broker = await startBroker(
      configFrom(ldapConfig(slapd, moto.url), {
        LDAP_BIND_PASSWORD: slapd.service.password,
        BROKER_SECRET: BROKER_SECRET_KEY,
      }),
    );
  });

  afterAll(async () => {
    await broker.stop();
    await Promise.all([slapd.stop(), moto.stop()]);
  });

  it('grants entitlements from a nested group and issues credentials that work', async () => {
    const alice = new HttpClient(broker.url);
    const login = await alice.login('corp', 'alice', 'alice-password');
    expect(login.status).toBe(200);
    const me = await alice.request('GET', '/api/v1/me');
    expect(me.body).toMatchObject({
      connectorId: 'corp',
      username: 'alice',
      groups: ['developers', 'engineering', 'team-a'],
      attributes: { department: ['Engineering'] },
    });
    const entitlements = await alice.request('GET', '/api/v1/entitlements');
    expect(entitlements.body.entitlements).toEqual([expect.objectContaining({ permissionSet: 'Engineer' })]);

    const issued = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Engineer' },
    });
    expect(issued.status).toBe(200);
    const caller = await callerIdentityWith(moto.url, issued.body);
    expect(caller.Arn).toMatch(
      /^arn:aws:sts::123456789012:assumed-role\/fedgate-Engineer\/alice\.[0-9a-f]{8}$/,
    );

    const logs = broker.logs.text();
    for (const secret of ['alice-password', slapd.service.password, issued.body.SecretAccessKey as string]) {
      expect(logs).not.toContain(secret);
    }
  });

  it('answers a wrong password, an unknown user and a locked user alike', async () => {
    const client = new HttpClient(broker.url);
    for (const [username, password] of [
      ['alice', 'wrong'],
      ['nobody', 'whatever'],
      ['carol', 'carol-password'],
    ] as const) {
      const response = await client.login('corp', username, password);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        error: 'invalid_credentials',
        message: 'Invalid username or password',
      });
    }
    const audit = broker.logs.lines().filter((line) => line.msg === 'audit' && line.outcome === 'failure');
    expect(audit.map((line) => line.reason)).toEqual(
      expect.arrayContaining(['wrong password', 'unknown user', 'account locked']),
    );
  });

  it('answers 503 when the directory is down, and issues no session', async () => {
    await slapd.stop();
    const client = new HttpClient(broker.url);
    const response = await client.login('corp', 'alice', 'alice-password');
    expect(response.status).toBe(503);
    expect(response.body).toEqual({ error: 'idp_unavailable', message: 'The directory is unavailable' });
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});
