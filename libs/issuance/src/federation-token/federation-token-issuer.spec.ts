import type { Entitlement } from '@fedgate/mapping';
import { FederationTokenIssuer } from './federation-token-issuer';

const entitlement: Entitlement = {
  accountId: '111111111111',
  accountName: 'prod',
  partition: 'aws',
  backendId: 'iam-user',
  permissionSet: 'ReadOnly',
  mode: 'federation-token',
  roleArn: '',
  sessionDurationSeconds: 28800,
  durationPlan: { seconds: 28800, limitedBy: 'permission-set', explanation: '8h' },
  roleSessionName: 'alice.0123abcd',
  sourceIdentity: 'alice',
  federatedUserName: 'alice.0123abcd',
  sessionTags: [{ key: 'Department', value: 'Data' }],
  transitiveTagKeys: [],
  policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
  policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
};

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('FederationTokenIssuer.request', () => {
  it("sends the federated user's Name, the planned duration, the session policies and the tags", () => {
    expect(FederationTokenIssuer.request(entitlement)).toEqual({
      Name: 'alice.0123abcd',
      DurationSeconds: 28800,
      Policy: entitlement.policy,
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
      Tags: [{ Key: 'Department', Value: 'Data' }],
    });
  });

  it('clamps a requested duration to the plan and to the 15-minute minimum', () => {
    expect(FederationTokenIssuer.request(entitlement, 3600).DurationSeconds).toBe(3600);
    expect(FederationTokenIssuer.request(entitlement, 129_600).DurationSeconds).toBe(28800);
    expect(FederationTokenIssuer.request(entitlement, 60).DurationSeconds).toBe(900);
  });

  it('leaves out empty lists, and accepts managed policies alone', () => {
    const { policy: _policy, ...withoutInline } = entitlement;
    expect(FederationTokenIssuer.request({ ...withoutInline, sessionTags: [] })).toEqual({
      Name: 'alice.0123abcd',
      DurationSeconds: 28800,
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
    });
  });

  it('refuses, before any STS call, a session without policies, transitive keys or a bad Name', () => {
    const { policy: _policy, ...withoutInline } = entitlement;
    expect(() => FederationTokenIssuer.request({ ...withoutInline, policyArns: [] })).toThrow(
      /can do nothing/,
    );
    expect(thrownBy(() => FederationTokenIssuer.request({ ...withoutInline, policyArns: [] }))).toMatchObject(
      {
        code: 'internal',
      },
    );
    expect(() =>
      FederationTokenIssuer.request({ ...entitlement, transitiveTagKeys: ['Department'] }),
    ).toThrow(/transitive tag keys/);
    for (const federatedUserName of [undefined, 'a', 'x'.repeat(33), 'alice smith']) {
      expect(() => FederationTokenIssuer.request({ ...entitlement, federatedUserName })).toThrow(
        /federated user name/,
      );
    }
  });
});
