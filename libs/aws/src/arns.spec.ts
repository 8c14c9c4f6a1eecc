import {
  arnParts,
  IAM_NAME,
  IAM_PATH,
  partitionOfArn,
  policyArnPattern,
  POLICY_ARN,
  roleArnPattern,
  ROLE_ARN,
  ROLE_NAME_WITH_PATH,
} from './arns';

describe('ARN patterns', () => {
  it('accept role and managed policy ARNs of the known partitions', () => {
    expect(ROLE_ARN.test('arn:aws:iam::111111111111:role/ops/fedgate-Admin')).toBe(true);
    expect(ROLE_ARN.test('arn:aws-cn:iam::111111111111:role/x')).toBe(true);
    expect(ROLE_ARN.test('arn:aws-iso:iam::111111111111:role/x')).toBe(false);
    expect(ROLE_ARN.test('arn:aws:iam::11111111111:role/x')).toBe(false);
    expect(ROLE_ARN.test(`arn:aws:iam::111111111111:role/${'x'.repeat(65)}`)).toBe(false);
    expect(POLICY_ARN.test('arn:aws:iam::aws:policy/ReadOnlyAccess')).toBe(true);
    expect(POLICY_ARN.test('arn:aws-us-gov:iam::111111111111:policy/team/Data')).toBe(true);
    expect(POLICY_ARN.test('arn:aws:iam::aws:role/x')).toBe(false);
    expect(ROLE_ARN.test('arn:{{partition}}:iam::{{accountId}}:role/x')).toBe(false);
  });

  it('accept placeholders only when asked to, literally', () => {
    const placeholders = { partition: '{{partition}}', account: '{{accountId}}' };
    expect(roleArnPattern(placeholders).test('arn:{{partition}}:iam::{{accountId}}:role/x')).toBe(true);
    expect(roleArnPattern(placeholders).test('arn:{{partitionX}}:iam::{{accountId}}:role/x')).toBe(false);
    expect(policyArnPattern(placeholders).test('arn:aws:iam::{{accountId}}:policy/x')).toBe(true);
  });

  it('split an ARN into its partition and account, as written', () => {
    expect(arnParts('arn:aws-cn:iam::222222222222:role/x')).toEqual({
      partition: 'aws-cn',
      account: '222222222222',
    });
    expect(arnParts('arn:aws:iam::aws:policy/ReadOnlyAccess')).toEqual({ partition: 'aws', account: 'aws' });
    expect(arnParts('arn:aws:s3:::bucket')).toBeUndefined();
    const templated = roleArnPattern({ partition: '{{partition}}', account: '{{accountId}}' });
    expect(arnParts('arn:{{partition}}:iam::{{accountId}}:role/x', [templated])).toEqual({
      partition: '{{partition}}',
      account: '{{accountId}}',
    });
  });

  it('read the partition of any ARN', () => {
    expect(partitionOfArn('arn:aws:iam::111111111111:role/x')).toBe('aws');
    expect(partitionOfArn('arn:aws-cn:sts::111111111111:assumed-role/x/y')).toBe('aws-cn');
    expect(partitionOfArn('arn:aws-us-gov:iam::111111111111:role/x')).toBe('aws-us-gov');
    expect(partitionOfArn('arn:aws-iso:iam::111111111111:role/x')).toBeUndefined();
    expect(partitionOfArn('not-an-arn')).toBeUndefined();
  });
});

describe('IAM names', () => {
  it('match names, paths and role names with a path', () => {
    expect(IAM_NAME.test('fedgate-Admin+=,.@_')).toBe(true);
    expect(IAM_NAME.test('a/b')).toBe(false);
    expect(IAM_NAME.test('x'.repeat(65))).toBe(false);
    expect(IAM_PATH.test('/')).toBe(true);
    expect(IAM_PATH.test('/ops/team/')).toBe(true);
    expect(IAM_PATH.test('/ops')).toBe(false);
    expect(ROLE_NAME_WITH_PATH.test('ops/fedgate-Admin')).toBe(true);
    expect(ROLE_NAME_WITH_PATH.test('/fedgate-Admin')).toBe(false);
  });
});
