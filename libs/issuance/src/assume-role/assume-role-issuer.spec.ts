import type { Entitlement } from '@fedgate/mapping';
import { AssumeRoleIssuer } from './assume-role-issuer';

const entitlement: Entitlement = {
  accountId: '111111111111',
  accountName: 'prod',
  partition: 'aws',
  backendId: 'aws',
  permissionSet: 'Dev',
  roleArn: 'arn:aws:iam::111111111111:role/Dev',
  sessionDurationSeconds: 7200,
  roleSessionName: 'alice.0123abcd',
  sourceIdentity: 'alice',
};

describe('AssumeRoleIssuer.plannedDuration', () => {
  it.each([
    [undefined, 7200],
    [3600, 3600],
    [43200, 7200],
    [60, 900],
  ])('turns a request for %p seconds into %p', (requested, expected) => {
    expect(AssumeRoleIssuer.plannedDuration(entitlement, requested)).toBe(expected);
  });
});

describe('AssumeRoleIssuer.request', () => {
  it('sends only the first-slice fields when the entitlement has no tags or policies', () => {
    expect(AssumeRoleIssuer.request(entitlement)).toEqual({
      RoleArn: 'arn:aws:iam::111111111111:role/Dev',
      RoleSessionName: 'alice.0123abcd',
      SourceIdentity: 'alice',
      DurationSeconds: 7200,
    });
  });

  it('sends the compiled tags, transitive keys and session policies, and the planned duration', () => {
    const compiled: Entitlement = {
      ...entitlement,
      durationPlan: { seconds: 3600, limitedBy: 'role-maximum', explanation: 'role maximum 1h' },
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
    expect(AssumeRoleIssuer.request(compiled, 7200).DurationSeconds).toBe(3600);
    expect(AssumeRoleIssuer.request(compiled, 1800).DurationSeconds).toBe(1800);
  });
});

describe('AssumeRoleIssuer.request with an ExternalId', () => {
  it("sends the account's ExternalId when one is configured, and none otherwise", () => {
    expect(AssumeRoleIssuer.request({ ...entitlement, externalId: 'ext-123' }).ExternalId).toBe('ext-123');
    expect(AssumeRoleIssuer.request(entitlement)).not.toHaveProperty('ExternalId');
  });
});
