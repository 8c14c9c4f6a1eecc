/**
 * The broker with sts-local as its STS backend: sign in, fetch credentials
 * (AssumeRole signed with the broker's keys, trust policy checked), use them
 * against sts-local, and see a trust-policy denial surface as 403 sts_denied.
 */
import { matching } from './matchers';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { ALICE_PASSWORD, BROKER_SECRET_KEY, sliceConfig } from '../broker/slice-config';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

// The slice config's broker key (AKIAFEDGATETEST00001); fedgate-Admin's trust policy leaves out
// sts:SetSourceIdentity, which the broker always sets, so assuming it is denied.
const STS_LOCAL_YAML = `
accounts:
  - id: '123456789012'
    users:
      - { name: fedgate-broker, accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: '\${env:BROKER_SECRET}' }
    roles:
      - name: fedgate-Developer
        maxSessionDuration: 2h
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: 'arn:aws:iam::123456789012:user/fedgate-broker' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
      - name: fedgate-Admin
        trustPolicy:
          Statement:
            - { Effect: Allow, Principal: { AWS: 'arn:aws:iam::123456789012:user/fedgate-broker' }, Action: [sts:AssumeRole, sts:TagSession] }
`;

describe('broker → sts-local', () => {
  const env = { BROKER_SECRET: BROKER_SECRET_KEY };
  let sts: TestStsLocal;
  let broker: RunningBroker;

  beforeAll(async () => {
    sts = await startTestStsLocal(stsLocalConfigFrom(STS_LOCAL_YAML, env));
    broker = await startBroker(configFrom(await sliceConfig(sts.url), env));
  });

  afterAll(async () => {
    await broker.stop();
    await sts.stop();
  });

  it('issues credentials that sts-local recognises, and reports a trust-policy denial as sts_denied', async () => {
    const alice = new HttpClient(broker.url);
    expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
    expect((await alice.request('GET', '/readyz')).status).toBe(200);

    const issued = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Developer' },
    });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({
      Version: 1,
      AccountId: '123456789012',
      AccessKeyId: matching(/^ASIA/),
    });
    const credentials = {
      accessKeyId: issued.body.AccessKeyId as string,
      secretAccessKey: issued.body.SecretAccessKey as string,
      sessionToken: issued.body.SessionToken as string,
    };
    const client = new STSClient({ region: 'us-east-1', endpoint: sts.url, credentials, maxAttempts: 1 });
    const identity = await client.send(new GetCallerIdentityCommand({}));
    client.destroy();
    expect(identity.Account).toBe('123456789012');
    expect(identity.Arn).toMatch(
      /^arn:aws:sts::123456789012:assumed-role\/fedgate-Developer\/alice\.[0-9a-f]{8}$/,
    );

    const refused = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Admin' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('sts_denied');
    expect(sts.logs.text()).toContain('"code":"AccessDenied"');

    for (const secret of [credentials.secretAccessKey, credentials.sessionToken, BROKER_SECRET_KEY]) {
      expect(sts.logs.text()).not.toContain(secret);
      expect(broker.logs.text()).not.toContain(secret);
    }
  });
});
