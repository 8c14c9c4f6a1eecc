import {
  DENY_OLDER_SESSIONS_POLICY_NAME,
  denyOlderSessionsPolicy,
  policyDocumentJson,
  roleTarget,
} from './deny-older-sessions-policy';

describe('denyOlderSessionsPolicy', () => {
  it("is AWS's revoke-active-sessions document: every session of the role issued before the instant", () => {
    const policy = denyOlderSessionsPolicy('2026-12-05T09:00:00.000Z');
    expect(policy.policyName).toBe(DENY_OLDER_SESSIONS_POLICY_NAME);
    expect(policyDocumentJson(policy)).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*",' +
        '"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-12-05T09:00:00.000Z"}}}]}',
    );
  });

  it('writes the instant in UTC whatever offset it was given in', () => {
    const policy = denyOlderSessionsPolicy('2026-12-05T10:30:00+01:00');
    expect(policy.document.Statement[0].Condition.DateLessThan['aws:TokenIssueTime']).toBe(
      '2026-12-05T09:30:00.000Z',
    );
  });

  it("scoped to a source identity, denies only that identity's older sessions, under a name of its own", () => {
    const policy = denyOlderSessionsPolicy('2026-12-05T09:00:00Z', 'alice');
    expect(policy.policyName).toBe('FedgateRevokeOlderSessions-alice');
    expect(policy.document.Statement[0].Condition).toEqual({
      DateLessThan: { 'aws:TokenIssueTime': '2026-12-05T09:00:00.000Z' },
      StringEquals: { 'aws:SourceIdentity': 'alice' },
    });
  });

  it.each(['', 'yesterday', '2026-13-45T00:00:00Z', '1733389200000'])(
    'refuses %j as the instant',
    (instant) => {
      expect(() => denyOlderSessionsPolicy(instant)).toThrow(/ISO 8601/);
    },
  );

  it.each(['a', 'alice smith', 'alice"}', 'x'.repeat(65)])('refuses %j as a source identity', (identity) => {
    expect(() => denyOlderSessionsPolicy('2026-12-05T09:00:00Z', identity)).toThrow(/source identity/);
  });
});

describe('roleTarget', () => {
  it('takes the bare role name, without its path, from a role ARN of any partition', () => {
    expect(roleTarget('arn:aws:iam::111122223333:role/ops/team/fedgate-Admin')).toEqual({
      ok: true,
      target: {
        roleArn: 'arn:aws:iam::111122223333:role/ops/team/fedgate-Admin',
        partition: 'aws',
        accountId: '111122223333',
        roleName: 'fedgate-Admin',
      },
    });
    expect(roleTarget('arn:aws-cn:iam::111122223333:role/Reader')).toMatchObject({
      ok: true,
      target: { partition: 'aws-cn', roleName: 'Reader' },
    });
  });

  it.each([
    'arn:aws:iam::111122223333:user/alice',
    'arn:aws:sts::111122223333:assumed-role/Admin/alice',
    'arn:aws:iam::111122223333:policy/Admin',
    'arn:aws:iam::1111:role/Admin',
    'arn:aws-moon:iam::111122223333:role/Admin',
    'Admin',
  ])('refuses %s, which names no IAM role', (arn) => {
    const result = roleTarget(arn);
    expect(result.ok ? 'accepted' : result.problem).toContain('is not an IAM role ARN');
  });
});
