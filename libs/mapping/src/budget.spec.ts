import { FedgateError } from '@fedgate/core';
import { identity } from '../../../test/mapping/config-fixture';
import { assertIssuable, checkLimits } from './budget';
import type { Entitlement } from './entitlement';

function entitlement(overrides: Partial<Entitlement> = {}): Entitlement {
  return {
    accountId: '111111111111',
    accountName: 'prod',
    partition: 'aws',
    backendId: 'aws',
    permissionSet: 'Data',
    mode: 'assume-role',
    roleArn: 'arn:aws:iam::111111111111:role/data',
    sessionDurationSeconds: 3600,
    durationPlan: { seconds: 3600, limitedBy: 'permission-set', explanation: '' },
    roleSessionName: 'alice.12345678',
    sourceIdentity: 'alice',
    federatedUserName: 'alice.12345678',
    sessionTags: [],
    transitiveTagKeys: [],
    policyArns: [],
    requireMfa: false,
    notes: [],
    violations: [],
    ...overrides,
  };
}

const tags = (count: number) => Array.from({ length: count }, (_, i) => ({ key: `K${i}`, value: 'v' }));

describe('checkLimits', () => {
  it('accepts a request within every limit, at the limits', () => {
    expect(
      checkLimits(
        entitlement({
          sessionTags: [...tags(49), { key: 'k'.repeat(128), value: 'v'.repeat(256) }],
          transitiveTagKeys: tags(50)
            .map((tag) => tag.key)
            .slice(0, 49),
          policyArns: Array.from({ length: 10 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`),
          policy: 'x'.repeat(2048 - 10 * 'arn:aws:iam::aws:policy/P0'.length),
          roleSessionName: 'r'.repeat(64),
          sourceIdentity: 's'.repeat(64),
          federatedUserName: 'f'.repeat(32),
        }),
      ),
    ).toEqual([]);
  });

  it.each<[string, Partial<Entitlement>, string]>([
    ['51 tags', { sessionTags: tags(51) }, 'tag-count'],
    ['a 129-character key', { sessionTags: [{ key: 'k'.repeat(129), value: '' }] }, 'tag-key'],
    ['an aws: key', { sessionTags: [{ key: 'AWS:x', value: '' }] }, 'tag-key'],
    [
      'keys differing in case',
      {
        sessionTags: [
          { key: 'Team', value: '' },
          { key: 'team', value: '' },
        ],
      },
      'tag-key',
    ],
    ['a 257-character value', { sessionTags: [{ key: 'k', value: 'v'.repeat(257) }] }, 'tag-value'],
    ['a value with a refused character', { sessionTags: [{ key: 'k', value: 'a;b' }] }, 'tag-value'],
    ['a transitive key without its tag', { transitiveTagKeys: ['k'] }, 'transitive-tag-keys'],
    [
      '51 transitive keys',
      { sessionTags: tags(50), transitiveTagKeys: [...tags(50).map((t) => t.key), 'K0'] },
      'transitive-tag-keys',
    ],
    [
      'transitive keys with GetFederationToken',
      { mode: 'federation-token', sessionTags: tags(1), transitiveTagKeys: ['K0'] },
      'transitive-tag-keys',
    ],
    [
      '11 managed policy ARNs',
      { policyArns: Array.from({ length: 11 }, () => 'arn:aws:iam::aws:policy/P') },
      'policy-arns',
    ],
    ['2049 policy characters', { policy: 'x'.repeat(2000), policyArns: ['a'.repeat(49)] }, 'policy-size'],
    ['a policy character above U+00FF', { policy: '{"a":"→"}' }, 'policy-characters'],
    ['a 65-character RoleSessionName', { roleSessionName: 'r'.repeat(65) }, 'session-name'],
    ['a one-character SourceIdentity', { sourceIdentity: 's' }, 'session-name'],
    ['a 33-character federated user name', { federatedUserName: 'f'.repeat(33) }, 'session-name'],
  ])('refuses %s', (_name, overrides, limit) => {
    expect(checkLimits(entitlement(overrides)).map((violation) => violation.limit)).toContain(limit);
  });
});

describe('assertIssuable', () => {
  it('passes an entitlement without violations', () => {
    expect(() => {
      assertIssuable(entitlement(), identity());
    }).not.toThrow();
  });

  it('throws an error naming the user, the permission set and each limit', () => {
    const over = entitlement({
      violations: [{ limit: 'tag-value', message: 'tag D has characters AWS does not allow in a tag value' }],
    });
    let thrown: unknown;
    try {
      assertIssuable(over, identity());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FedgateError);
    expect(thrown).toMatchObject({
      code: 'sts_rejected',
      phase: 'mapping.limits',
      message:
        'Cannot issue permission set "Data" in account "prod" for alice (corp): AWS would refuse it (tag D has characters AWS does not allow in a tag value). Nothing was sent to STS; an administrator must change the permission set or the user\'s attributes.',
      detail: {
        connector: 'corp',
        subject: 'u-1',
        permissionSet: 'Data',
        accountId: '111111111111',
        limits: ['tag-value'],
      },
    });
  });
});
