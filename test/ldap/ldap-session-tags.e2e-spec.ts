/**
 * LDAP end to end, all the way into the AWS session: a directory login →
 * entitlements from a nested group → credentials from sts-local whose
 * session carries the directory's attributes as session tags (read back
 * from sts-local's console page for that session).
 */
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { LDAP_BASE_DN, startSlapd, type SlapdServer } from '../harness/slapd';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

const BROKER_KEY = 'AKIAFEDGATELDAPTAGS1';
const BROKER_SECRET = 'ldap-tags-broker-secret-key-0123456789';

const STS_LOCAL_YAML = `
accounts:
  - id: "123456789012"
    users:
      - { name: fedgate-broker, accessKeyId: ${BROKER_KEY}, secretAccessKey: ${BROKER_SECRET} }
    roles:
      - name: fedgate-Engineer
        maxSessionDuration: 1h
        trustPolicy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: { AWS: "arn:aws:iam::123456789012:user/fedgate-broker" }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
              Condition: { StringEquals: { "aws:RequestTag/Department": "Engineering" } }
`;

function brokerConfig(slapd: SlapdServer, sts: TestStsLocal): string {
  return `
connectors:
  - id: corp
    type: ldap
    url: ${slapd.ldapsUrl}
    tls: { ca: "\${file:${slapd.caCertFile}}" }
    bindDn: "${slapd.service.dn}"
    bindPassword: "\${env:LDAP_BIND_PASSWORD}"
    userSearch: { baseDn: "ou=people,${LDAP_BASE_DN}" }
    attributes: { extra: { department: departmentNumber, employeeId: employeeNumber } }
    groups: { mode: recursive, baseDn: "ou=groups,${LDAP_BASE_DN}" }
backends:
  - id: local
    type: sts
    endpoint: ${sts.url}
    maxAttempts: 1
    credentials: { accessKeyId: ${BROKER_KEY}, secretAccessKey: "\${env:BROKER_SECRET}" }
accounts:
  - { id: "123456789012", name: sandbox, backend: local }
permissionSets:
  - name: Engineer
    roleName: fedgate-Engineer
    sessionDuration: 1h
    tags: { Department: "{{attributes.department}}", EmployeeId: "{{attributes.employeeId}}" }
assignments:
  - { match: { groups: [engineering] }, accounts: [sandbox], permissionSets: [Engineer] }
`;
}

describe('LDAP attributes as session tags', () => {
  let slapd: SlapdServer;
  let sts: TestStsLocal;
  let broker: RunningBroker;

  beforeAll(async () => {
    slapd = await startSlapd();
    sts = await startTestStsLocal(stsLocalConfigFrom(STS_LOCAL_YAML));
    broker = await startBroker(
      configFrom(brokerConfig(slapd, sts), {
        LDAP_BIND_PASSWORD: slapd.service.password,
        BROKER_SECRET,
      }),
    );
  });

  afterAll(async () => {
    await broker.stop();
    await sts.stop();
    await slapd.stop();
  });

  it("carries alice's department and employee id into her AWS session", async () => {
    const alice = new HttpClient(broker.url);
    expect((await alice.login('corp', 'alice', 'alice-password')).status).toBe(200);
    const issued = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Engineer' },
    });
    expect(issued.status).toBe(200);

    const session = JSON.stringify({
      sessionId: issued.body.AccessKeyId,
      sessionKey: issued.body.SecretAccessKey,
      sessionToken: issued.body.SessionToken,
    });
    const token = (await (
      await fetch(
        `${sts.url}/federation?${new URLSearchParams({ Action: 'getSigninToken', Session: session }).toString()}`,
      )
    ).json()) as { SigninToken: string };
    const page = await (
      await fetch(
        `${sts.url}/federation?${new URLSearchParams({
          Action: 'login',
          Destination: 'https://console.aws.amazon.com/',
          SigninToken: token.SigninToken,
        }).toString()}`,
      )
    ).text();
    expect(page).toContain('Department');
    expect(page).toContain('Engineering');
    expect(page).toContain('EmployeeId');
    expect(page).toContain('E-1001');
    expect(page).toMatch(/SourceIdentity<\/th><td>alice</);

    for (const secret of [
      'alice-password',
      issued.body.SecretAccessKey as string,
      issued.body.SessionToken as string,
    ]) {
      expect(broker.logs.text()).not.toContain(secret);
      expect(sts.logs.text()).not.toContain(secret);
    }
  });

  it('gives bob, who is not in engineering (nested or not), no entitlement', async () => {
    const bob = new HttpClient(broker.url);
    expect((await bob.login('corp', 'bob', 'bob-password')).status).toBe(200);
    const refused = await bob.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Engineer' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('not_entitled');
  });
});
