/**
 * The AWS side of revocation against moto_server's IAM: the
 * deny-older-sessions policy put on each role with PutRolePolicy, read back
 * with GetRolePolicy; a role that does not exist and an ARN that names no
 * role fail on their own while the others are applied; an instant is never
 * moved back.
 */
import {
  CreateRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import {
  applyDenyOlderSessions,
  denyOlderSessionsPolicy,
  policyDocumentJson,
  type IamClientFactory,
} from '@fedgate/issuance';
import { startMoto, type MotoServer } from '../harness/moto';

const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' },
  ],
});

describe('the deny-older-sessions policy on moto IAM', () => {
  let moto: MotoServer;
  let iam: IAMClient;
  const roleArns: Record<string, string> = {};
  const calls: string[] = [];

  const clientFor: IamClientFactory = (partition) => {
    calls.push(partition);
    return new IAMClient({
      region: 'us-east-1',
      endpoint: moto.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  };

  async function readBack(roleName: string, policyName: string): Promise<unknown> {
    const answer = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
    return JSON.parse(decodeURIComponent(answer.PolicyDocument ?? '')) as unknown;
  }

  beforeAll(async () => {
    moto = await startMoto();
    iam = new IAMClient({
      region: 'us-east-1',
      endpoint: moto.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    for (const [name, path] of [
      ['fedgate-Admin', '/'],
      ['fedgate-ReadOnly', '/ops/'],
    ] as const) {
      const created = await iam.send(
        new CreateRoleCommand({ RoleName: name, Path: path, AssumeRolePolicyDocument: TRUST_POLICY }),
      );
      roleArns[name] = created.Role?.Arn ?? '';
    }
  }, 60_000);

  afterAll(async () => {
    iam.destroy();
    await moto.stop();
  });

  it('puts the policy on each role; a missing role and a non-role ARN fail alone', async () => {
    const policy = denyOlderSessionsPolicy('2026-12-05T09:00:00Z');
    const admin = roleArns['fedgate-Admin'] ?? '';
    const readOnly = roleArns['fedgate-ReadOnly'] ?? '';
    expect(readOnly).toMatch(/:role\/ops\/fedgate-ReadOnly$/);
    const missing = 'arn:aws:iam::123456789012:role/fedgate-Gone';
    const notARole = 'arn:aws:iam::123456789012:user/alice';

    const outcomes = await applyDenyOlderSessions([admin, missing, notARole, readOnly], policy, clientFor);

    expect(outcomes.map((outcome) => [outcome.roleArn, outcome.status])).toEqual([
      [admin, 'applied'],
      [missing, 'failed'],
      [notARole, 'failed'],
      [readOnly, 'applied'],
    ]);
    const reasons = outcomes.map((outcome) => (outcome.status === 'failed' ? outcome.reason : ''));
    expect(reasons[1]).toMatch(/NoSuchEntity.*fedgate-Gone/);
    expect(reasons[2]).toContain('is not an IAM role ARN');
    // One client for the partition, none for the ARN that is no role.
    expect(calls).toEqual(['aws']);

    const expected = JSON.parse(policyDocumentJson(policy)) as unknown;
    expect(await readBack('fedgate-Admin', 'FedgateRevokeOlderSessions')).toEqual(expected);
    expect(await readBack('fedgate-ReadOnly', 'FedgateRevokeOlderSessions')).toEqual(expected);
    expect(expected).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-12-05T09:00:00.000Z' } },
        },
      ],
    });
  });

  it('moves the instant forward, never back', async () => {
    const admin = roleArns['fedgate-Admin'] ?? '';
    const later = denyOlderSessionsPolicy('2026-12-05T10:00:00Z');
    expect(await applyDenyOlderSessions([admin], later, clientFor)).toEqual([
      { roleArn: admin, status: 'applied', roleName: 'fedgate-Admin', accountId: '123456789012' },
    ]);

    const earlier = denyOlderSessionsPolicy('2026-12-05T08:00:00Z');
    expect(await applyDenyOlderSessions([admin], earlier, clientFor)).toEqual([
      {
        roleArn: admin,
        status: 'kept',
        roleName: 'fedgate-Admin',
        accountId: '123456789012',
        reason: 'FedgateRevokeOlderSessions already denies sessions issued before 2026-12-05T10:00:00.000Z',
      },
    ]);
    expect(await readBack('fedgate-Admin', 'FedgateRevokeOlderSessions')).toEqual(
      JSON.parse(policyDocumentJson(later)),
    );
  });

  it('keeps one policy per source identity beside the role-wide one', async () => {
    const admin = roleArns['fedgate-Admin'] ?? '';
    for (const user of ['alice', 'bob']) {
      const policy = denyOlderSessionsPolicy('2026-12-05T11:00:00Z', user);
      expect(await applyDenyOlderSessions([admin], policy, clientFor)).toMatchObject([{ status: 'applied' }]);
    }
    const listed = await iam.send(new ListRolePoliciesCommand({ RoleName: 'fedgate-Admin' }));
    expect([...(listed.PolicyNames ?? [])].sort()).toEqual([
      'FedgateRevokeOlderSessions',
      'FedgateRevokeOlderSessions-alice',
      'FedgateRevokeOlderSessions-bob',
    ]);
    expect(await readBack('fedgate-Admin', 'FedgateRevokeOlderSessions-alice')).toMatchObject({
      Statement: [{ Condition: { StringEquals: { 'aws:SourceIdentity': 'alice' } } }],
    });
  });

  it("never moves a source identity's instant back, and leaves the other identities' policies alone", async () => {
    const admin = roleArns['fedgate-Admin'] ?? '';
    const later = denyOlderSessionsPolicy('2026-12-05T12:00:00Z', 'alice');
    expect(await applyDenyOlderSessions([admin], later, clientFor)).toMatchObject([{ status: 'applied' }]);
    const earlier = denyOlderSessionsPolicy('2026-12-05T11:30:00Z', 'alice');
    expect(await applyDenyOlderSessions([admin], earlier, clientFor)).toEqual([
      {
        roleArn: admin,
        status: 'kept',
        roleName: 'fedgate-Admin',
        accountId: '123456789012',
        reason:
          'FedgateRevokeOlderSessions-alice already denies sessions issued before 2026-12-05T12:00:00.000Z',
      },
    ]);
    expect(await readBack('fedgate-Admin', 'FedgateRevokeOlderSessions-alice')).toEqual(
      JSON.parse(policyDocumentJson(later)),
    );
    expect(await readBack('fedgate-Admin', 'FedgateRevokeOlderSessions-bob')).toEqual(
      JSON.parse(policyDocumentJson(denyOlderSessionsPolicy('2026-12-05T11:00:00Z', 'bob'))),
    );
  });
});
