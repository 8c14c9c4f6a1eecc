/**
 * A request AWS would refuse is refused by the broker before any STS call,
 * with an error that names the user, the permission set and the limit;
 * tags are never dropped to make it fit (docs/architecture.md#security-rules).
 */
import { hashPassword } from '@fedgate/connectors';
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';

const PASSWORD = 'budget-test-password';

describe('POST /api/v1/credentials over an AWS limit', () => {
  let broker: RunningBroker;

  beforeAll(async () => {
    const yaml = `
server: { publicUrl: http://127.0.0.1:8080 }
connectors:
  - id: demo
    type: static
    users:
      - { username: rd, passwordHash: "${await hashPassword(PASSWORD, 10)}", groups: [data], attributes: { department: "R&D" } }
backends:
  - { id: aws, type: sts, endpoint: "http://127.0.0.1:9", credentials: { accessKeyId: AKIAFEDGATETEST00003, secretAccessKey: x } }
accounts: [{ id: "123456789012", name: sandbox, backend: aws }]
permissionSets:
  - { name: Data, roleName: data, tags: { Department: "{{attributes.department}}" } }
assignments:
  - { match: { groups: [data] }, accounts: [sandbox], permissionSets: [Data] }
mapping: { tags: { onInvalid: reject } }
`;
    broker = await startBroker(configFrom(yaml));
  });

  afterAll(async () => {
    await broker.stop();
  });

  it('answers 400 sts_rejected naming user, permission set and limit, without calling STS', async () => {
    const client = new HttpClient(broker.url);
    expect((await client.login('demo', 'rd', PASSWORD)).status).toBe(200);
    const response = await client.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Data' },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'sts_rejected',
      message:
        'Cannot issue permission set "Data" in account "sandbox" for rd (demo): AWS would refuse it (tag Department has characters AWS does not allow in a tag value). Nothing was sent to STS; an administrator must change the permission set or the user\'s attributes.',
    });
    expect(broker.stsCalls()).toBe(0);
    const audit = broker.logs.lines().find((line) => line.event === 'issue_credentials');
    expect(audit).toMatchObject({ outcome: 'over_limit', permissionSet: 'Data' });
  });
});
