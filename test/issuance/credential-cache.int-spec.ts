import { randomBytes, randomUUID } from 'node:crypto';
import { inspect } from 'node:util';

import { FedgateError } from '@fedgate/core';
import {
  CacheCipher,
  credentialCacheKey,
  CredentialCache,
  type CachedCredentials,
  type IssuedCredentials,
} from '@fedgate/issuance';
import type { AssumeRolePlan } from '@fedgate/mapping';
import { RedisStore } from '@fedgate/store';
import { Redis } from 'ioredis';

import { sleep } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';

jest.setTimeout(30_000);

const keys = [{ id: 'k1', key: randomBytes(32).toString('base64') }];
const REFRESH_BEFORE_S = 900;
const LIFETIME_MS = 3_600_000;
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
  sessionTags: [{ key: 'fedgate:mfa', value: 'true' }],
  transitiveTagKeys: [],
  policyArns: [],
};

/** A fake STS behind the real store: counts calls and hands out unique secrets. */
function fakeSts(lifetimeMs = LIFETIME_MS, delayMs = 100) {
  const issued: IssuedCredentials[] = [];
  return {
    issued,
    issue: async (): Promise<IssuedCredentials> => {
      await sleep(delayMs);
      const credentials: IssuedCredentials = {
        accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: randomBytes(120).toString('base64'),
        expiration: new Date(Date.now() + lifetimeMs),
        accountId: '111111111111',
        kind: 'role',
      };
      issued.push(credentials);
      return credentials;
    },
  };
}

function connect(server: RedisServer, keyPrefix: string): Promise<RedisStore> {
  return RedisStore.connect({ url: server.url, keyPrefix, connectTimeoutMs: 1_000, commandTimeoutMs: 1_000 });
}

describe('CredentialCache on a real redis-server', () => {
  let redis: RedisServer;
  let raw: Redis;
  let stores: RedisStore[];
  let prefix: string;

  /** A replica: its own connection and its own CredentialCache, sharing the configured keys. */
  async function replica(refreshBeforeSeconds = REFRESH_BEFORE_S): Promise<CredentialCache> {
    const store = await connect(redis, prefix);
    stores.push(store);
    return new CredentialCache(store, CacheCipher.fromConfig(keys), { refreshBeforeSeconds, waitMs: 10_000 });
  }

  beforeAll(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url, { lazyConnect: true });
    await raw.connect();
  });

  afterAll(async () => {
    await raw.quit();
    await redis.stop();
  });

  beforeEach(() => {
    stores = [];
    prefix = `cache:${randomUUID()}:`;
  });

  afterEach(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });

  it('makes 100 concurrent identical requests over two replicas call STS once, then serves hits', async () => {
    const [replicaA, replicaB] = [await replica(), await replica()];
    const sts = fakeSts();
    const key = credentialCacheKey(identity, plan);

    const requests: Promise<CachedCredentials>[] = [];
    for (let i = 0; i < 50; i++) {
      requests.push(replicaA.getOrIssue(key, sts.issue), replicaB.getOrIssue(key, sts.issue));
    }
    const results = await Promise.all(requests);

    expect(sts.issued).toHaveLength(1);
    expect(results.filter((result) => result.source === 'issued')).toHaveLength(1);
    for (const result of results) {
      expect(result.credentials).toEqual(sts.issued[0]);
    }

    // A third replica, started later, reads the entry: same credentials, dates intact.
    const later = await (await replica()).getOrIssue(key, sts.issue);
    expect(later.source).toBe('cache');
    expect(later.credentials).toEqual(sts.issued[0]);
    expect(later.credentials.expiration).toBeInstanceOf(Date);
    expect(sts.issued).toHaveLength(1);
  });

  it('stores only ciphertext, until expiration minus refreshBefore, and leaves no lock behind', async () => {
    const sts = fakeSts();
    const key = credentialCacheKey(identity, plan);
    await (await replica()).getOrIssue(key, sts.issue);
    const credentials = sts.issued[0]!;

    expect(await raw.keys(`${prefix}*`)).toEqual([`${prefix}issuance:credentials:${key}`]);
    const stored = (await raw.get(`${prefix}issuance:credentials:${key}`))!;
    expect(stored).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    for (const secret of [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken]) {
      expect(stored).not.toContain(secret);
      expect(stored).not.toContain(Buffer.from(secret).toString('base64url'));
    }
    const ttl = await raw.pttl(`${prefix}issuance:credentials:${key}`);
    const expected = credentials.expiration.getTime() - REFRESH_BEFORE_S * 1000 - Date.now();
    expect(Math.abs(ttl - expected)).toBeLessThan(5_000);
  });

  it('refreshes an entry once less than refreshBefore remains', async () => {
    // refreshBefore 1 s and credentials living 2.5 s: the entry expires in Redis after about 1.5 s.
    const cache = await replica(1);
    const sts = fakeSts(2_500, 0);
    const key = credentialCacheKey(identity, plan);

    expect((await cache.getOrIssue(key, sts.issue)).source).toBe('issued');
    expect((await cache.getOrIssue(key, sts.issue)).source).toBe('cache');
    await sleep(1_700);
    const refreshed = await cache.getOrIssue(key, sts.issue);
    expect(refreshed.source).toBe('issued');
    expect(sts.issued).toHaveLength(2);
    expect(refreshed.credentials).toEqual(sts.issued[1]);
  });

  it("fails closed with 'store_unavailable', never calling STS, when Redis is gone", async () => {
    const own = await startRedis();
    let store: RedisStore | undefined;
    try {
      store = await connect(own, prefix);
      const cache = new CredentialCache(store, CacheCipher.fromConfig(keys), {
        refreshBeforeSeconds: REFRESH_BEFORE_S,
      });
      const sts = fakeSts();
      await own.kill();

      const started = Date.now();
      const error = await cache.getOrIssue(credentialCacheKey(identity, plan), sts.issue).then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error).toBeInstanceOf(FedgateError);
      expect(error).toMatchObject({ code: 'store_unavailable' });
      expect(inspect(error, { depth: 10 })).not.toContain(identity.subject);
      expect(sts.issued).toHaveLength(0);
    } finally {
      await store?.close();
      await own.stop();
    }
  });
});
