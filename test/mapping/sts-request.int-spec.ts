/**
 * The compiled STS request reaches a real STS and comes back: the mapping's
 * tags, transitive keys, SourceIdentity, session policy and managed policy
 * ARNs are sent with @aws-sdk/client-sts to moto_server, which must accept
 * them and answer with the assumed-role session fedgate planned. moto does
 * not keep session tags, so what can be checked is that the request is
 * accepted as sent, the assumed-role ARN and the policy size STS reports
 * (the sts-local tests check the tags on the session itself).
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createStsClient } from '@fedgate/issuance';
import { startMoto, type MotoServer } from '../harness/moto';
import { assumeRoleRequest, planFor } from './compiled-request';
import { identity, mappingConfig } from './config-fixture';

function configFor(endpoint: string) {
  return mappingConfig(`
backends:
  - id: moto
    type: sts
    endpoint: ${endpoint}
    timeout: 5s
    maxAttempts: 1
    credentials: { accessKeyId: AKIAFEDGATETEST00002, secretAccessKey: moto-accepts-any-secret }
accounts: [{ id: "123456789012", name: sandbox, backend: moto }]
permissionSets:
  - name: Data
    roleName: fedgate-Data
    sessionDuration: 2h
    managedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    sessionPolicy:
      Version: "2012-10-17"
      Statement:
        - { Effect: Allow, Action: ["s3:GetObject"], Resource: "arn:{{partition}}:s3:::data-{{accountId}}/*" }
    tags: { Department: "{{attributes.department}}", Teams: "{{groups}}", Who: "{{username}}" }
    transitiveTagKeys: [Department]
assignments:
  - { match: { attributes: { department: { regex: ".+" } } }, accounts: [sandbox], permissionSets: [Data] }
mapping: { tags: { authTags: true, separator: " " } }
`);
}

describe('compiled mapping → AssumeRole at moto_server', () => {
  let moto: MotoServer;
  let client: STSClient;
  let config: ReturnType<typeof configFor>;

  beforeAll(async () => {
    moto = await startMoto();
    config = configFor(moto.url);
    client = createStsClient(config.backends[0]!);
  });

  afterAll(async () => {
    client.destroy();
    await moto.stop();
  });

  it('issues a session for an awkward Unicode identity with every part of the compiled request', async () => {
    const who = identity({
      username: 'Zoë Ångström/ops',
      subject: '00u-zoë',
      groups: ['eng platform', 'R&D'],
      attributes: { department: ['Données & Analyse'] },
      mfa: { satisfied: true, methods: ['webauthn'] },
    });
    const plan = planFor('assume-role', who, config, { account: 'sandbox', permissionSet: 'Data' });
    expect(plan.sessionTags).toEqual([
      { key: 'Department', value: 'Données _ Analyse' },
      { key: 'Teams', value: 'R_D eng platform' },
      { key: 'Who', value: 'Zoë Ångström/ops' },
      { key: 'fedgate:mfa', value: 'true' },
      { key: 'fedgate:auth-time', value: '2026-01-01T09:00:00Z' },
    ]);

    const response = await client.send(assumeRoleRequest(plan));

    expect(plan.roleSessionName).toMatch(/^Zoe-Angstrom-ops\.[0-9a-f]{8}$/);
    expect(response.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::123456789012:assumed-role/fedgate-Data/${plan.roleSessionName}`,
    );
    expect(response.AssumedRoleUser?.AssumedRoleId).toMatch(
      new RegExp(`:${plan.roleSessionName.replace(/\./g, '\\.')}$`),
    );
    // STS reports how much of the packed-policy limit the tags and policies used (percent);
    // moto answers the classic field only, which the SDK now marks deprecated.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const packed = response.PackedPolicySize;
    expect(typeof packed).toBe('number');
    expect(packed).toBeGreaterThanOrEqual(0);
    expect(packed).toBeLessThanOrEqual(100);
    expect(response.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const lifetime = response.Credentials!.Expiration!.getTime() - Date.now();
    expect(Math.abs(lifetime - 7200 * 1000)).toBeLessThan(120 * 1000);

    // The credentials work, and STS says who they belong to: the session fedgate named.
    const session = new STSClient({
      region: 'us-east-1',
      endpoint: moto.url,
      credentials: {
        accessKeyId: response.Credentials!.AccessKeyId!,
        secretAccessKey: response.Credentials!.SecretAccessKey!,
        sessionToken: response.Credentials!.SessionToken!,
      },
    });
    try {
      const caller = await session.send(new GetCallerIdentityCommand({}));
      expect(caller.Arn).toBe(response.AssumedRoleUser?.Arn);
      expect(caller.Account).toBe('123456789012');
    } finally {
      session.destroy();
    }
  });
});
