import type { FederationTokenPlan } from '@fedgate/mapping';
import { FederationTokenIssuer } from './federation-token-issuer';

const plan: FederationTokenPlan = {
  mode: 'federation-token',
  accountId: '111111111111',
  accountName: 'prod',
  partition: 'aws',
  backendId: 'iam-user',
  permissionSet: 'ReadOnly',
  duration: { seconds: 28800, limitedBy: 'permission-set', explanation: '8h' },
  federatedUserName: 'alice.0123abcd',
  sessionTags: [{ key: 'Department', value: 'Data' }],
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
    expect(FederationTokenIssuer.request(plan)).toEqual({
      Name: 'alice.0123abcd',
      DurationSeconds: 28800,
      Policy: plan.policy,
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
      Tags: [{ Key: 'Department', Value: 'Data' }],
    });
  });

  it("sends the plan's duration as planned: the issuer does not plan again", () => {
    for (const seconds of [900, 3600, 129_600]) {
      const planned = { ...plan, duration: { ...plan.duration, seconds } };
      expect(FederationTokenIssuer.request(planned).DurationSeconds).toBe(seconds);
    }
  });

  it('leaves out empty lists, and accepts managed policies alone', () => {
    const { policy: _policy, ...withoutInline } = plan;
    expect(FederationTokenIssuer.request({ ...withoutInline, sessionTags: [] })).toEqual({
      Name: 'alice.0123abcd',
      DurationSeconds: 28800,
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
    });
  });

  it('refuses, before any STS call, a session without policies or with a bad Name', () => {
    const { policy: _policy, ...withoutInline } = plan;
    expect(() => FederationTokenIssuer.request({ ...withoutInline, policyArns: [] })).toThrow(
      /can do nothing/,
    );
    expect(thrownBy(() => FederationTokenIssuer.request({ ...withoutInline, policyArns: [] }))).toMatchObject(
      { code: 'internal', phase: 'sts.get-federation-token' },
    );
    for (const federatedUserName of ['', 'a', 'x'.repeat(33), 'alice smith']) {
      expect(() => FederationTokenIssuer.request({ ...plan, federatedUserName })).toThrow(
        /federated user name/,
      );
    }
  });
});
