import type { AssumeRolePlan, FederationTokenPlan, IssuePlan } from '@fedgate/mapping';

import { CREDENTIAL_CACHE_KEY_PATTERN, credentialCacheKey, scopedCacheKey } from './cache-key';

const identity = { connectorId: 'corp-ldap', subject: 'alice-0001' };

const plan: AssumeRolePlan = {
  mode: 'assume-role',
  accountId: '111111111111',
  accountName: 'prod',
  partition: 'aws',
  backendId: 'aws',
  permissionSet: 'Developer',
  duration: {
    seconds: 3600,
    limitedBy: 'permission-set',
    explanation: "1h: the permission set's sessionDuration",
  },
  roleArn: 'arn:aws:iam::111111111111:role/Developer',
  roleSessionName: 'alice.0123abcd',
  sourceIdentity: 'alice',
  externalId: 'ext-123',
  sessionTags: [
    { key: 'team', value: 'blue' },
    { key: 'fedgate:mfa', value: 'true' },
  ],
  transitiveTagKeys: ['team', 'fedgate:mfa'],
  policy: '{"Version":"2012-10-17","Statement":[]}',
  policyArns: ['arn:aws:iam::aws:policy/A', 'arn:aws:iam::aws:policy/B'],
};

/** The plan with another duration. */
function lasting(seconds: number, from: IssuePlan = plan): IssuePlan {
  return { ...from, duration: { ...from.duration, seconds } };
}

const base = credentialCacheKey(identity, plan);

describe('credentialCacheKey', () => {
  it('is 64 lowercase hex characters and the same for the same request', () => {
    expect(base).toMatch(CREDENTIAL_CACHE_KEY_PATTERN);
    expect(credentialCacheKey({ ...identity }, structuredClone(plan))).toBe(base);
  });

  it.each<[string, Partial<AssumeRolePlan>]>([
    ['backendId', { backendId: 'moto' }],
    ['partition', { partition: 'aws-cn' }],
    ['accountId', { accountId: '222222222222' }],
    ['permissionSet', { permissionSet: 'Admin' }],
    ['roleArn', { roleArn: 'arn:aws:iam::111111111111:role/Other' }],
    ['roleSessionName', { roleSessionName: 'alice.ffffffff' }],
    ['sourceIdentity', { sourceIdentity: 'alice2' }],
    ['externalId', { externalId: 'ext-456' }],
    ['externalId removed', { externalId: undefined }],
    [
      'a tag value',
      {
        sessionTags: [
          { key: 'team', value: 'red' },
          { key: 'fedgate:mfa', value: 'true' },
        ],
      },
    ],
    [
      'a tag key',
      {
        sessionTags: [
          { key: 'Team', value: 'blue' },
          { key: 'fedgate:mfa', value: 'true' },
        ],
      },
    ],
    ['a tag removed', { sessionTags: [{ key: 'team', value: 'blue' }] }],
    ['transitiveTagKeys', { transitiveTagKeys: ['team'] }],
    ['policy', { policy: '{"Version":"2012-10-17","Statement":[{}]}' }],
    ['policy removed', { policy: undefined }],
    ['policyArns', { policyArns: ['arn:aws:iam::aws:policy/A'] }],
  ])('changes with %s', (_field, change) => {
    expect(credentialCacheKey(identity, { ...plan, ...change })).not.toBe(base);
  });

  it('changes with the mode', () => {
    const { externalId: _externalId, ...withoutExternalId } = plan;
    const webIdentity: IssuePlan = { ...withoutExternalId, mode: 'web-identity' };
    const assumeRole: IssuePlan = { ...withoutExternalId, mode: 'assume-role' };
    expect(credentialCacheKey(identity, webIdentity)).not.toBe(credentialCacheKey(identity, assumeRole));
  });

  it('changes with the connector and the subject', () => {
    expect(credentialCacheKey({ ...identity, connectorId: 'other' }, plan)).not.toBe(base);
    expect(credentialCacheKey({ ...identity, subject: 'bob-0002' }, plan)).not.toBe(base);
  });

  it("changes with the plan's duration, so a shorter request never gets a longer cached session", () => {
    expect(credentialCacheKey(identity, lasting(3601))).not.toBe(base);
    expect(credentialCacheKey(identity, lasting(1800))).not.toBe(base);
    const requested: IssuePlan = {
      ...plan,
      duration: {
        seconds: 1800,
        limitedBy: 'requested',
        explanation: '30m: as requested',
        requestedSeconds: 1800,
      },
    };
    expect(credentialCacheKey(identity, requested)).toBe(credentialCacheKey(identity, lasting(1800)));
  });

  it('changes with the federated user name of a GetFederationToken plan', () => {
    const federated: FederationTokenPlan = {
      mode: 'federation-token',
      accountId: plan.accountId,
      accountName: plan.accountName,
      partition: plan.partition,
      backendId: plan.backendId,
      permissionSet: plan.permissionSet,
      duration: plan.duration,
      sessionTags: plan.sessionTags,
      policyArns: plan.policyArns,
      federatedUserName: 'alice',
    };
    const key = credentialCacheKey(identity, federated);
    expect(key).toMatch(CREDENTIAL_CACHE_KEY_PATTERN);
    expect(key).not.toBe(base);
    expect(credentialCacheKey(identity, { ...federated, federatedUserName: 'alice2' })).not.toBe(key);
  });

  it('does not let one field run into the next', () => {
    expect(credentialCacheKey({ connectorId: 'ab', subject: 'c' }, plan)).not.toBe(
      credentialCacheKey({ connectorId: 'a', subject: 'bc' }, plan),
    );
    const tagsA = [{ key: 'a', value: 'b,c' }];
    const tagsB = [
      { key: 'a', value: 'b' },
      { key: 'c', value: '' },
    ];
    expect(credentialCacheKey(identity, { ...plan, sessionTags: tagsA })).not.toBe(
      credentialCacheKey(identity, { ...plan, sessionTags: tagsB }),
    );
  });

  it('ignores the order of tags, transitive keys and policy ARNs, which STS ignores too', () => {
    const reordered: AssumeRolePlan = {
      ...plan,
      sessionTags: [...plan.sessionTags].reverse(),
      transitiveTagKeys: [...plan.transitiveTagKeys].reverse(),
      policyArns: [...plan.policyArns].reverse(),
    };
    expect(credentialCacheKey(identity, reordered)).toBe(base);
    expect(plan.sessionTags[0]!.key).toBe('team'); // the caller's arrays are left alone
  });

  it('rejects a duration that is not a positive integer', () => {
    for (const duration of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => credentialCacheKey(identity, lasting(duration))).toThrow(RangeError);
    }
  });
});

describe('credentialCacheKey of a frozen plan (remembered)', () => {
  function frozenCopy(from: IssuePlan): IssuePlan {
    return structuredClone<IssuePlan>(from);
  }
  function deepFreeze<T>(value: T): T {
    if (typeof value === 'object' && value !== null) {
      Object.values(value).forEach(deepFreeze);
      Object.freeze(value);
    }
    return value;
  }

  it('gives a frozen plan the key an equal unfrozen plan gets, every time', () => {
    const frozen = deepFreeze(frozenCopy(plan));
    expect(credentialCacheKey(identity, frozen)).toBe(base);
    expect(credentialCacheKey(identity, frozen)).toBe(base);
  });

  it('still keys by who asks: another connector or subject with the same frozen plan gets its own key', () => {
    const frozen = deepFreeze(frozenCopy(plan));
    const alice = credentialCacheKey(identity, frozen);
    const bob = credentialCacheKey({ ...identity, subject: 'bob-0002' }, frozen);
    const other = credentialCacheKey({ ...identity, connectorId: 'github' }, frozen);
    expect(new Set([alice, bob, other]).size).toBe(3);
    expect(credentialCacheKey(identity, frozen)).toBe(alice);
    expect(bob).toBe(credentialCacheKey({ ...identity, subject: 'bob-0002' }, plan));
  });

  it('never remembers a plan that could change: an unfrozen one keys by what it holds now', () => {
    const mutable = frozenCopy(plan);
    const before = credentialCacheKey(identity, mutable);
    mutable.sessionTags.push({ key: 'project', value: 'x' });
    expect(credentialCacheKey(identity, mutable)).not.toBe(before);
    // A frozen plan whose tags array is not frozen is not remembered either.
    const shallow = Object.freeze(frozenCopy(plan));
    const first = credentialCacheKey(identity, shallow);
    shallow.sessionTags.push({ key: 'project', value: 'x' });
    expect(credentialCacheKey(identity, shallow)).not.toBe(first);
  });
});

describe('scopedCacheKey', () => {
  it('gives each scope its own valid key, the same every time', () => {
    const key = 'a'.repeat(64);
    expect(scopedCacheKey(key, 'one')).toMatch(CREDENTIAL_CACHE_KEY_PATTERN);
    expect(scopedCacheKey(key, 'one')).toBe(scopedCacheKey(key, 'one'));
    expect(scopedCacheKey(key, 'one')).not.toBe(scopedCacheKey(key, 'two'));
    expect(scopedCacheKey(key, 'one')).not.toBe(key);
  });

  it('gives distinct keys distinct scoped keys, however many were derived before', () => {
    const keys = Array.from({ length: 50 }, (_, index) => index.toString(16).padStart(64, '0'));
    const scoped = keys.map((key) => scopedCacheKey(key, 'one'));
    expect(new Set(scoped).size).toBe(keys.length);
    expect(keys.map((key) => scopedCacheKey(key, 'one'))).toEqual(scoped);
  });
});
