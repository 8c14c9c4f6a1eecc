import { randomBytes } from 'node:crypto';

import type { Identity } from '@fedgate/core';
import type { AssumeRolePlan } from '@fedgate/mapping';
import { MemoryStore } from '@fedgate/store';

import { CacheCipher, credentialCacheKey, CredentialCache } from './cache';
import type { IssuedCredentials } from './issued-credentials';
import { Issuance } from './issuance';
import type { ModeIssuer, ModeIssuers } from './mode-issuer';

const NOW = Date.parse('2030-01-01T00:00:00Z');
function identity(): Identity {
  return {
    connectorId: 'corp',
    subject: 'u-1',
    username: 'alice',
    groups: ['dev'],
    attributes: {},
    mfa: { satisfied: false, methods: [] },
    authTime: '2029-12-31T23:00:00Z',
  };
}
const alice = identity();
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
  sessionTags: [],
  transitiveTagKeys: [],
  policyArns: [],
};

/** STS stands outside the unit: an issuer that counts its calls. */
function countingIssuers(): { issuers: ModeIssuers; calls: () => number } {
  let calls = 0;
  const issuer: ModeIssuer = {
    issue: () => {
      calls += 1;
      const credentials: IssuedCredentials = {
        accessKeyId: `ASIAISSUANCE${String(calls).padStart(8, '0')}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: randomBytes(60).toString('base64'),
        expiration: new Date(NOW + 3_600_000),
        accountId: '111111111111',
        kind: 'role',
      };
      return Promise.resolve(credentials);
    },
  };
  return {
    issuers: { 'assume-role': issuer, 'web-identity': issuer, 'federation-token': issuer },
    calls: () => calls,
  };
}

function withCache() {
  const store = new MemoryStore({ now: () => NOW });
  let reads = 0;
  const counted = Object.assign(Object.create(store) as MemoryStore, {
    get: (key: string) => {
      reads += 1;
      return store.get(key);
    },
  });
  const cache = new CredentialCache(
    counted,
    CacheCipher.fromConfig([{ id: 'k', key: randomBytes(32).toString('base64') }]),
    {
      refreshBeforeSeconds: 900,
      now: () => NOW,
    },
  );
  const { issuers, calls } = countingIssuers();
  const issuance = new Issuance({ issuers, cache: { store: cache, keyOf: credentialCacheKey } });
  return { issuance, calls, reads: () => reads };
}

describe('Issuance.lookup', () => {
  it("starts the plan's cache read before returning, and credentials() serves it", async () => {
    const { issuance, calls, reads } = withCache();
    const first = await issuance.credentials(plan, alice);
    const before = reads();
    const lookup = issuance.lookup(plan, alice);
    expect(lookup).toBeDefined();
    expect(reads()).toBe(before + 1);
    const served = await issuance.credentials(plan, alice, lookup);
    expect(served).toEqual({ credentials: first.credentials, source: 'cache' });
    expect(reads()).toBe(before + 1);
    expect(calls()).toBe(1);
  });

  it('starts nothing without a cache, and credentials() issues as before', async () => {
    const { issuers, calls } = countingIssuers();
    const issuance = new Issuance({ issuers });
    expect(issuance.lookup(plan, alice)).toBeUndefined();
    expect((await issuance.credentials(plan, alice)).source).toBe('issued');
    expect(calls()).toBe(1);
  });

  it('refuses a lookup made for another plan or identity, issuing nothing', async () => {
    const { issuance, calls } = withCache();
    const lookup = issuance.lookup(plan, alice);
    await expect(issuance.credentials({ ...plan }, alice, lookup)).rejects.toThrow(RangeError);
    await expect(issuance.credentials(plan, identity(), lookup)).rejects.toThrow(RangeError);
    expect(calls()).toBe(0);
  });

  it('throws, as credentials() rejects, for a plan that has no cache key', async () => {
    const { issuance, calls } = withCache();
    const broken = { ...plan, duration: { ...plan.duration, seconds: 0 } };
    expect(() => issuance.lookup(broken, alice)).toThrow(RangeError);
    await expect(issuance.credentials(broken, alice)).rejects.toThrow(RangeError);
    expect(calls()).toBe(0);
  });
});
