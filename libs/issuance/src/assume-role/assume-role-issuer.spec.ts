import type { AssumeRolePlan } from '@fedgate/mapping';
import { AssumeRoleIssuer } from './assume-role-issuer';

const plan: AssumeRolePlan = {
  mode: 'assume-role',
  accountId: '111111111111',
  accountName: 'prod',
  partition: 'aws',
  backendId: 'aws',
  permissionSet: 'Dev',
  duration: {
    seconds: 7200,
    limitedBy: 'permission-set',
    explanation: "2h: the permission set's sessionDuration",
  },
  sessionTags: [],
  policyArns: [],
  roleArn: 'arn:aws:iam::111111111111:role/Dev',
  roleSessionName: 'alice.0123abcd',
  sourceIdentity: 'alice',
  transitiveTagKeys: [],
};

describe('AssumeRoleIssuer.request', () => {
  it('sends only the role, names and duration when the plan has no tags or policies', () => {
    expect(AssumeRoleIssuer.request(plan)).toEqual({
      RoleArn: 'arn:aws:iam::111111111111:role/Dev',
      RoleSessionName: 'alice.0123abcd',
      SourceIdentity: 'alice',
      DurationSeconds: 7200,
    });
  });

  it('sends the compiled tags, transitive keys and session policies, and the planned duration', () => {
    const compiled: AssumeRolePlan = {
      ...plan,
      duration: { seconds: 3600, limitedBy: 'role-maximum', explanation: 'role maximum 1h' },
      sessionTags: [
        { key: 'Department', value: 'Data' },
        { key: 'fedgate:mfa', value: 'true' },
      ],
      transitiveTagKeys: ['Department'],
      policy: '{"Version":"2012-10-17","Statement":[]}',
      policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    };
    expect(AssumeRoleIssuer.request(compiled)).toEqual({
      RoleArn: 'arn:aws:iam::111111111111:role/Dev',
      RoleSessionName: 'alice.0123abcd',
      SourceIdentity: 'alice',
      DurationSeconds: 3600,
      Tags: [
        { Key: 'Department', Value: 'Data' },
        { Key: 'fedgate:mfa', Value: 'true' },
      ],
      TransitiveTagKeys: ['Department'],
      Policy: '{"Version":"2012-10-17","Statement":[]}',
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
    });
  });

  it("sends the plan's duration as planned, a requested one included: the issuer does not plan again", () => {
    const requested: AssumeRolePlan = {
      ...plan,
      duration: {
        seconds: 1800,
        limitedBy: 'requested',
        explanation: '30m: as requested',
        requestedSeconds: 1800,
      },
    };
    expect(AssumeRoleIssuer.request(requested).DurationSeconds).toBe(1800);
  });
});

describe('AssumeRoleIssuer.request with an ExternalId', () => {
  it("sends the account's ExternalId when one is configured, and none otherwise", () => {
    expect(AssumeRoleIssuer.request({ ...plan, externalId: 'ext-123' }).ExternalId).toBe('ext-123');
    expect(AssumeRoleIssuer.request(plan)).not.toHaveProperty('ExternalId');
  });
});
