/**
 * Partitions through the broker (issue #5): for an account on an aws-cn or
 * aws-us-gov backend, the role ARN, the session ARN STS returns and the
 * console destination all stay in that partition, against an sts-local
 * that answers as that partition.
 */
import { configFrom, HttpClient, callerIdentityWith, startBroker } from './broker-harness';
import { ALICE_PASSWORD, BROKER_SECRET_KEY } from './slice-config';
import { hashPassword } from '@fedgate/connectors';
import { startTestStsLocal, stsLocalConfigFrom } from '../harness/sts-local';

const env = { BROKER_SECRET: BROKER_SECRET_KEY };

describe.each([
  ['aws-cn', 'cn-north-1', 'https://console.amazonaws.cn/'],
  ['aws-us-gov', 'us-gov-west-1', 'https://console.amazonaws-us-gov.com/'],
] as const)('partition %s', (partition, region, consoleHome) => {
  it('issues credentials and a console URL that stay in the partition', async () => {
    const sts = await startTestStsLocal(
      stsLocalConfigFrom(
        `
partition: ${partition}
regions: [${region}]
accounts:
  - id: '123456789012'
    users:
      - { name: fedgate-broker, accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: '\${env:BROKER_SECRET}' }
    roles:
      - name: fedgate-Developer
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: 'arn:${partition}:iam::123456789012:user/fedgate-broker' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
`,
        env,
      ),
    );
    const broker = await startBroker(
      configFrom(
        `
connectors:
  - id: demo
    type: static
    users:
      - { username: alice, passwordHash: "${await hashPassword(ALICE_PASSWORD, 10)}", groups: [developers] }
backends:
  - id: local
    type: sts
    partition: ${partition}
    region: ${region}
    endpoint: ${sts.url}
    signinUrl: ${sts.url}/federation
    maxAttempts: 1
    credentials: { accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: "\${env:BROKER_SECRET}" }
accounts:
  - { id: "123456789012", name: sandbox, backend: local }
permissionSets:
  - { name: Developer, roleName: fedgate-Developer }
assignments:
  - { match: { groups: [developers] }, accounts: [sandbox], permissionSets: [Developer] }
`,
        env,
      ),
    );
    try {
      const alice = new HttpClient(broker.url);
      expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
      const listed = await alice.request('GET', '/api/v1/entitlements');
      expect(listed.body.entitlements).toMatchObject([
        { roleArn: `arn:${partition}:iam::123456789012:role/fedgate-Developer` },
      ]);

      const issued = await alice.request('POST', '/api/v1/credentials', {
        json: { accountId: 'sandbox', permissionSet: 'Developer' },
      });
      expect(issued.status).toBe(200);
      const caller = await callerIdentityWith(sts.url, issued.body, region);
      expect(caller.Arn).toMatch(
        new RegExp(`^arn:${partition}:sts::123456789012:assumed-role/fedgate-Developer/alice\\.`),
      );

      const consoleAnswer = await alice.request('POST', '/api/v1/console', {
        json: { accountId: 'sandbox', permissionSet: 'Developer' },
      });
      expect(consoleAnswer.status).toBe(200);
      const url = new URL(consoleAnswer.body.url as string);
      expect(url.searchParams.get('Destination')).toBe(consoleHome);
      const page = await (await fetch(url)).text();
      expect(page).toContain(`arn:${partition}:sts::123456789012:assumed-role/fedgate-Developer/`);

      const otherPartition = await alice.request('POST', '/api/v1/console', {
        json: {
          accountId: 'sandbox',
          permissionSet: 'Developer',
          destination: 'https://console.aws.amazon.com/',
        },
      });
      expect(otherPartition.status).toBe(400);
    } finally {
      await broker.stop();
      await sts.stop();
    }
  });
});
