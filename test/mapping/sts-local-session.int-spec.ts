/**
 * The compiled mapping reaches a strict STS and comes back in the session:
 * the AssumeRole request exactly as the mapping compiled it goes to
 * sts-local (which checks the trust policy, SigV4 and AWS's limits), and the
 * console page of the resulting session shows the session tags, the
 * SourceIdentity and the RoleSessionName fedgate planned.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import { createStsClient } from '@fedgate/issuance';
import {
  demoConsolePage,
  htmlEscaped,
  startTestStsLocal,
  stsLocalConfigFrom,
  type TestStsLocal,
} from '../harness/sts-local';
import { assumeRoleRequest, planFor } from './compiled-request';
import { identity, mappingConfig } from './config-fixture';

const BROKER_KEY = 'AKIAFEDGATEMAPPING01';
const BROKER_SECRET = 'mapping-test-broker-secret-key-0123456789';

const STS_LOCAL_YAML = `
accounts:
  - id: "123456789012"
    users:
      - { name: fedgate-broker, accessKeyId: ${BROKER_KEY}, secretAccessKey: ${BROKER_SECRET} }
    roles:
      - name: fedgate-Data
        maxSessionDuration: 4h
        trustPolicy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: { AWS: "arn:aws:iam::123456789012:user/fedgate-broker" }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
              Condition: { StringEquals: { "aws:RequestTag/fedgate:mfa": "true" } }
`;

describe('compiled mapping → AssumeRole at sts-local → the session', () => {
  let sts: TestStsLocal;
  let client: STSClient;

  beforeAll(async () => {
    sts = await startTestStsLocal(stsLocalConfigFrom(STS_LOCAL_YAML));
  });

  afterAll(async () => {
    client.destroy();
    await sts.stop();
  });

  it('carries the compiled tags, SourceIdentity and session name into the session', async () => {
    const config = mappingConfig(`
backends:
  - id: local
    type: sts
    endpoint: ${sts.url}
    maxAttempts: 1
    credentials: { accessKeyId: ${BROKER_KEY}, secretAccessKey: ${BROKER_SECRET} }
accounts: [{ id: "123456789012", name: sandbox, backend: local }]
permissionSets:
  - name: Data
    roleName: fedgate-Data
    sessionDuration: 2h
    sessionPolicy:
      Version: "2012-10-17"
      Statement:
        - { Effect: Allow, Action: ["s3:GetObject"], Resource: "arn:{{partition}}:s3:::data-{{accountId}}/*" }
    tags: { Department: "{{attributes.department}}", Teams: "{{groups}}" }
    transitiveTagKeys: [Department]
assignments:
  - { match: { groups: [data-*] }, accounts: [sandbox], permissionSets: [Data] }
mapping: { tags: { authTags: true, separator: " " } }
`);
    client = createStsClient(config.backends[0]!);
    const who = identity({
      username: 'Zoë',
      subject: '00u-zoe',
      groups: ['data-eng', 'data-science'],
      attributes: { department: ['Données & Analyse'] },
      mfa: { satisfied: true, methods: ['webauthn'] },
    });
    const plan = planFor('assume-role', who, config, { account: 'sandbox', permissionSet: 'Data' });

    const response = await client.send(assumeRoleRequest(plan));
    expect(response.SourceIdentity).toBe(plan.sourceIdentity);
    expect(response.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::123456789012:assumed-role/fedgate-Data/${plan.roleSessionName}`,
    );

    const credentials = response.Credentials!;
    const { status, html } = await demoConsolePage(sts.url, {
      accessKeyId: credentials.AccessKeyId!,
      secretAccessKey: credentials.SecretAccessKey!,
      sessionToken: credentials.SessionToken!,
    });
    expect(status).toBe(200);
    expect(plan.sessionTags.map((tag) => tag.key)).toEqual([
      'Department',
      'Teams',
      'fedgate:mfa',
      'fedgate:auth-time',
    ]);
    for (const shown of [
      plan.roleSessionName,
      plan.sourceIdentity,
      ...plan.sessionTags.flatMap((tag) => [tag.key, tag.value]),
    ]) {
      expect(html).toContain(htmlEscaped(shown));
    }
  });
});
