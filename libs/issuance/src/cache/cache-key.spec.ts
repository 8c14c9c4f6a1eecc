import type { Entitlement } from '@fedgate/mapping';

import { CREDENTIAL_CACHE_KEY_PATTERN, credentialCacheKey, scopedCacheKey } from './cache-key';

const identity = { connectorId: 'corp-ldap', subject: 'alice-0001' };

const entitlement: Entitlement = {
  accountId: '111111111111',
  accountName: 'prod',
  partition: 'aws',
  backendId: 'aws',
  permissionSet: 'Developer',
  mode: 'assume-role',
  roleArn: 'arn:aws:iam::111111111111:role/Developer',
  sessionDurationSeconds: 3600,
  roleSessionName: 'alice.0123abcd',
  sourceIdentity: 'alice',
  externalId: 'ext-123',
  federatedUserName: 'alice',
  sessionTags: [
    { key: 'team', value: 'blue' },
    { key: 'fedgate:mfa', value: 'true' },
  ],
  transitiveTagKeys: ['team', 'fedgate:mfa'],
  policy: '{"Version":"2012-10-17","Statement":[]}',
  policyArns: ['arn:aws:iam::aws:policy/A', 'arn:aws:iam::aws:policy/B'],
};

const base = credentialCacheKey(identity, entitlement, 3600);

describe('credentialCacheKey', () => {
  it('is 64 lowercase hex characters and the same for the same request', () => {
    expect(base).toMatch(CREDENTIAL_CACHE_KEY_PATTERN);
    expect(credentialCacheKey({ ...identity }, structuredClone(entitlement), 3600)).toBe(base);
  });

  it.each<[string, Partial<Entitlement>]>([
    ['backendId', { backendId: 'moto' }],
    ['partition', { partition: 'aws-cn' }],
    ['accountId', { accountId: '222222222222' }],
    ['permissionSet', { permissionSet: 'Admin' }],
    ['mode', { mode: 'web-identity' }],
    ['roleArn', { roleArn: 'arn:aws:iam::111111111111:role/Other' }],
    ['federatedUserName', { federatedUserName: 'alice2' }],
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
    expect(credentialCacheKey(identity, { ...entitlement, ...change }, 3600)).not.toBe(base);
  });

  it('changes with the connector, the subject and the duration', () => {
    expect(credentialCacheKey({ ...identity, connectorId: 'other' }, entitlement, 3600)).not.toBe(base);
    expect(credentialCacheKey({ ...identity, subject: 'bob-0002' }, entitlement, 3600)).not.toBe(base);
    expect(credentialCacheKey(identity, entitlement, 3601)).not.toBe(base);
  });

  it('does not let one field run into the next', () => {
    expect(credentialCacheKey({ connectorId: 'ab', subject: 'c' }, entitlement, 3600)).not.toBe(
      credentialCacheKey({ connectorId: 'a', subject: 'bc' }, entitlement, 3600),
    );
    const tagsA = [{ key: 'a', value: 'b,c' }];
    const tagsB = [
      { key: 'a', value: 'b' },
      { key: 'c', value: '' },
    ];
    expect(credentialCacheKey(identity, { ...entitlement, sessionTags: tagsA }, 3600)).not.toBe(
      credentialCacheKey(identity, { ...entitlement, sessionTags: tagsB }, 3600),
    );
  });

  it('ignores the order of tags, transitive keys and policy ARNs, which STS ignores too', () => {
    const reordered: Entitlement = {
      ...entitlement,
      sessionTags: [...entitlement.sessionTags!].reverse(),
      transitiveTagKeys: [...entitlement.transitiveTagKeys!].reverse(),
      policyArns: [...entitlement.policyArns!].reverse(),
    };
    expect(credentialCacheKey(identity, reordered, 3600)).toBe(base);
    expect(entitlement.sessionTags![0]!.key).toBe('team'); // the caller's arrays are left alone
  });

  it('treats absent optional fields as empty, like the issuer does', () => {
    const bare: Entitlement = {
      ...entitlement,
      sessionTags: undefined,
      transitiveTagKeys: undefined,
      policyArns: undefined,
    };
    const empty: Entitlement = { ...entitlement, sessionTags: [], transitiveTagKeys: [], policyArns: [] };
    expect(credentialCacheKey(identity, bare, 3600)).toBe(credentialCacheKey(identity, empty, 3600));
  });

  it('rejects a duration that is not a positive integer', () => {
    for (const duration of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => credentialCacheKey(identity, entitlement, duration)).toThrow(RangeError);
    }
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
});
