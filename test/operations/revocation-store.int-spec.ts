/**
 * Revocation over the store, on memory, a real redis-server and a real Redis Cluster
 * (docs/operations/revocation.md): the RevokeUser flow with the real session manager, OAuth
 * server and credential cache ends what one user holds and nothing of anyone else's, answers the
 * roles of what it ended, refuses non-admins and bad bodies without changing anything; a login or
 * refresh of a blocked user is refused; credentials whose STS call was in flight during a
 * revocation are never served from the cache.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Identity } from '@fedgate/core';
import { RevokeUser, type AuditTrail } from '@fedgate/flows';
import {
  CacheCipher,
  CredentialCache,
  Issuance,
  type IssuedCredentials,
  type ModeIssuers,
} from '@fedgate/issuance';
import type { IssuePlan } from '@fedgate/mapping';
import { AuthorizationServer, OAuthError } from '@fedgate/oauth';
import { SessionManager, UserIndex, UserRevocations } from '@fedgate/sessions';
import { createStore, MemoryStore, type Store } from '@fedgate/store';
import { configFrom } from '../broker/broker-harness';
import { BROKER_SECRET_KEY, sliceConfig } from '../broker/slice-config';
import { startRedis, type RedisServer } from '../harness/redis';
import { startRedisCluster, type RedisClusterSetup } from '../harness/redis-topologies';

jest.setTimeout(120_000);

const TIMEOUTS = { idleSeconds: 600, absoluteSeconds: 3600 };
const CACHE_KEY = 'a'.repeat(64);

function identity(username: string, groups: string[]): Identity {
  return {
    connectorId: 'demo',
    subject: username,
    username,
    groups,
    attributes: {},
    mfa: { satisfied: false, methods: [] },
    authTime: new Date().toISOString(),
  };
}

const alice = identity('alice', ['developers']);
const bob = identity('bob', ['developers']);
const root = identity('root', ['operators']);

/** Moves the clock past the current millisecond; nothing is timed. */
function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

let issuedCount = 0;
function newCredentials(): IssuedCredentials {
  issuedCount += 1;
  return {
    accessKeyId: `ASIA${String(issuedCount).padStart(16, '0')}`,
    secretAccessKey: randomUUID(),
    sessionToken: randomUUID(),
    expiration: new Date(Date.now() + 3_600_000),
    accountId: '123456789012',
    kind: 'role',
    assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/fedgate-Developer/alice',
  };
}

/** Everything a revocation touches, over one store. */
async function world(store: Store) {
  const config = configFrom(await sliceConfig('http://127.0.0.1:9', 'admins: { users: ["demo:root"] }'), {
    BROKER_SECRET: BROKER_SECRET_KEY,
  });
  const events: Record<string, unknown>[] = [];
  const audit: AuditTrail = { record: (event) => events.push(event) };
  const index = new UserIndex(store);
  const revocations = new UserRevocations(store, { keepSeconds: TIMEOUTS.absoluteSeconds });
  const sessions = new SessionManager(store, TIMEOUTS);
  const oauth = new AuthorizationServer(store, { publicUrl: 'http://127.0.0.1:9', timeouts: TIMEOUTS });
  const cache = new CredentialCache(store, CacheCipher.ephemeral(), {
    refreshBeforeSeconds: 60,
    revocation: { track: index.track.bind(index), check: revocations.check.bind(revocations) },
  });
  const flow = new RevokeUser({
    config: () => config,
    connectorIds: () => ['demo'],
    index,
    revocations,
    sessions,
    logins: oauth,
    credentials: cache,
    audit,
    now: Date.now,
  });
  return { events, sessions, oauth, cache, flow, index };
}

/** One cache key per user and permission set, as credentialCacheKey gives (without hashing the whole plan). */
function cacheKeyOf(identity: Pick<Identity, 'connectorId' | 'subject'>, issued: IssuePlan): string {
  return createHash('sha256')
    .update([identity.connectorId, identity.subject, issued.permissionSet].join('\u0000'))
    .digest('hex');
}

/** Issues through fedgate's Issuance; STS is out of this test's reach, so each call hands out newCredentials(). */
function issuance(index: UserIndex, cache?: CredentialCache): Issuance {
  const issue = { issue: () => Promise.resolve(newCredentials()) };
  const issuers = { 'assume-role': issue, 'web-identity': issue, 'federation-token': issue } as ModeIssuers;
  return new Issuance({
    issuers,
    issuedTo: index,
    ...(cache === undefined ? {} : { cache: { store: cache, keyOf: cacheKeyOf } }),
  });
}

/** A plan as mapping makes one: only what issuance records is read here. */
function plan(mode: IssuePlan['mode'], roleName: string, sourceIdentity: string): IssuePlan {
  const common = {
    accountId: '123456789012',
    accountName: 'sandbox',
    partition: 'aws' as const,
    backendId: 'sts',
    permissionSet: roleName,
    duration: { seconds: 3600, limitedBy: 'requested', explanation: '1h' },
    sessionTags: [],
    policyArns: [],
  } as unknown as Omit<IssuePlan, 'mode'>;
  return mode === 'federation-token'
    ? { ...common, mode, federatedUserName: sourceIdentity }
    : {
        ...common,
        mode,
        roleArn: `arn:aws:iam::123456789012:role/${roleName}`,
        roleSessionName: sourceIdentity,
        sourceIdentity,
        transitiveTagKeys: [],
      };
}

let redis: RedisServer | undefined;
let cluster: RedisClusterSetup | undefined;

const backends: [string, () => Promise<Store>][] = [
  ['memory', () => Promise.resolve(new MemoryStore({ keyPrefix: `revocation:${randomUUID()}:` }))],
  [
    'redis',
    async () => {
      redis ??= await startRedis();
      return createStore({ type: 'redis', url: redis.url, keyPrefix: `revocation:${randomUUID()}:` });
    },
  ],
  [
    'Redis Cluster',
    async () => {
      cluster ??= await startRedisCluster();
      return createStore({
        type: 'redis',
        cluster: { nodes: cluster.nodes },
        keyPrefix: `revocation:${randomUUID()}:`,
      });
    },
  ],
];

afterAll(async () => {
  await redis?.stop();
  await cluster?.stop();
});

describe.each(backends)('revocation on %s', (_name, open) => {
  let store: Store;
  let w: Awaited<ReturnType<typeof world>>;

  beforeEach(async () => {
    store = await open();
    w = await world(store);
  });

  afterEach(async () => {
    await store.close();
  });

  it("ends one user's sessions, logins, pending grants and cached credentials, and nobody else's", async () => {
    const aliceSession = await w.sessions.create(alice);
    const bobSession = await w.sessions.create(bob);
    const aliceLogin = await w.oauth.grants.issue('fedgate-cli', { identity: alice });
    const bobLogin = await w.oauth.grants.issue('fedgate-cli', { identity: bob });
    const code = await w.oauth.codes.create({
      identity: alice,
      clientId: 'fedgate-cli',
      redirectUri: 'http://127.0.0.1:5000/callback',
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    });
    const cached = await w.cache.getOrIssue(CACHE_KEY, () => Promise.resolve(newCredentials()), alice);

    const result = await w.flow.revoke(root, { user: 'Alice', reason: 'left the company' });
    expect(result).toMatchObject({
      user: 'Alice',
      sessionsEnded: 1,
      tokensRevoked: 2,
      cachedCredentialsPurged: 1,
      blockedUntil: null,
      roles: ['arn:aws:iam::123456789012:role/fedgate-Developer'],
    });
    expect(await w.sessions.find(aliceSession.token)).toBeNull();
    expect(await w.oauth.grants.authenticate(aliceLogin.access_token)).toBeNull();
    await expect(w.oauth.grants.refresh(aliceLogin.refresh_token, 'fedgate-cli')).rejects.toBeInstanceOf(
      OAuthError,
    );
    await expect(
      w.oauth.codes.exchange(code, {
        clientId: 'fedgate-cli',
        redirectUri: 'http://127.0.0.1:5000/callback',
        codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    await pause();
    const after = await w.cache.getOrIssue(CACHE_KEY, () => Promise.resolve(newCredentials()), alice);
    expect([after.source, after.credentials.accessKeyId]).toEqual([
      'issued',
      expect.not.stringMatching(cached.credentials.accessKeyId) as unknown,
    ]);

    expect(await w.sessions.find(bobSession.token)).not.toBeNull();
    expect(await w.oauth.grants.authenticate(bobLogin.access_token)).not.toBeNull();
    expect(w.events).toContainEqual(
      expect.objectContaining({
        event: 'admin_revoke',
        outcome: 'success',
        subject: 'root',
        target: { user: 'Alice' },
        reason: 'left the company',
        sessionsEnded: 1,
      }),
    );
    expect(JSON.stringify(w.events)).not.toContain(aliceLogin.access_token);
    expect(JSON.stringify(w.events)).not.toContain(aliceLogin.refresh_token);

    // Again: only the credentials issued since the first revocation are left to end.
    expect(await w.flow.revoke(root, { user: 'alice', connector: 'demo' })).toMatchObject({
      sessionsEnded: 0,
      tokensRevoked: 0,
      cachedCredentialsPurged: 1,
      roles: [],
    });
  });

  it.each([
    ['with the cache', true],
    ['without the cache', false],
  ])(
    'names the roles and source identity of credentials issued to a user who signed out (%s)',
    async (_label, cached) => {
      const issuer = issuance(w.index, cached ? w.cache : undefined);
      const session = await w.sessions.create(alice);
      await issuer.credentials(plan('assume-role', 'fedgate-Developer', 'alice'), alice);
      await issuer.credentials(plan('web-identity', 'fedgate-Web', 'alice'), alice);
      // A federated user has no role to deny: nothing recorded.
      await issuer.credentials(plan('federation-token', 'fedgate-Federated', 'alice-fed'), alice);
      await issuer.credentials(plan('assume-role', 'fedgate-Admin', 'bob'), bob);
      await w.sessions.destroy(session.token);

      const result = await w.flow.revoke(root, { user: 'alice' });
      expect(result).toMatchObject({
        sessionsEnded: 0,
        tokensRevoked: 0,
        roles: [
          'arn:aws:iam::123456789012:role/fedgate-Developer',
          'arn:aws:iam::123456789012:role/fedgate-Web',
        ],
        sourceIdentities: ['alice'],
      });
      // Credentials issued stay valid at AWS: a later revocation names their roles again.
      expect(await w.flow.revoke(root, { user: 'alice', connector: 'demo' })).toMatchObject({
        roles: [
          'arn:aws:iam::123456789012:role/fedgate-Developer',
          'arn:aws:iam::123456789012:role/fedgate-Web',
        ],
        sourceIdentities: ['alice'],
      });
      expect(await w.flow.revoke(root, { user: 'bob' })).toMatchObject({
        roles: ['arn:aws:iam::123456789012:role/fedgate-Admin'],
        sourceIdentities: ['bob'],
      });
    },
  );

  it('names the roles of the cached credentials it purges', async () => {
    const issuer = issuance(w.index, w.cache);
    await issuer.credentials(plan('assume-role', 'fedgate-Developer', 'alice'), alice);
    const result = await w.flow.revoke(root, { user: 'alice' });
    expect(result).toMatchObject({
      sessionsEnded: 0,
      cachedCredentialsPurged: 1,
      roles: ['arn:aws:iam::123456789012:role/fedgate-Developer'],
      sourceIdentities: ['alice'],
    });
  });

  it('refuses a non-admin and bad bodies, changing nothing', async () => {
    const session = await w.sessions.create(alice);
    await expect(w.flow.revoke(bob, { user: 'alice' })).rejects.toMatchObject({ code: 'not_entitled' });
    for (const [body, named] of [
      [{ user: 'alice', blockSeconds: 604_801 }, 'blockSeconds'],
      [{ user: 'alice', blockSeconds: 1.5 }, 'blockSeconds'],
      [{ user: '' }, 'user'],
      [{ user: 'alice', reason: 'x'.repeat(201) }, 'reason'],
      [{ user: 'alice', extra: true }, 'extra'],
      [{ user: 'alice', connector: 'nowhere' }, 'nowhere'],
    ] as const) {
      await expect(w.flow.revoke(root, body)).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining(named) as unknown,
      });
    }
    expect(await w.sessions.find(session.token)).not.toBeNull();
    expect(w.events.filter((event) => event.outcome === 'success')).toEqual([]);
  });

  it('refuses a new login and a refresh while the user is blocked', async () => {
    const login = await w.oauth.grants.issue('fedgate-cli', { identity: alice });
    const result = await w.flow.revoke(root, { user: 'alice', blockSeconds: 600 });
    expect(Date.parse(result.blockedUntil ?? '') - Date.parse(result.issuedBefore)).toBe(600_000);
    await expect(w.sessions.create(alice)).rejects.toMatchObject({ code: 'access_revoked' });
    await expect(w.oauth.grants.issue('fedgate-cli', { identity: alice })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(w.oauth.grants.refresh(login.refresh_token, 'fedgate-cli')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(w.sessions.create(bob)).resolves.toBeDefined();
  });

  it('refuses a login whose code was approved before a revocation, even when it is exchanged after', async () => {
    const redirect = { clientId: 'fedgate-cli', redirectUri: 'http://127.0.0.1:5000/callback' };
    const approve = () =>
      w.oauth.codes.create({
        identity: alice,
        ...redirect,
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      });
    const exchange = (code: string) =>
      w.oauth.codes.exchange(code, {
        ...redirect,
        codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      });
    // Exchanged (so no longer indexed) before the revocation reads the index, issued after it.
    const subject = await exchange(await approve());
    await w.flow.revoke(root, { user: 'alice' });
    // The pause only moves the clock past the revocation's millisecond (which counts as before it).
    await pause();
    await expect(w.oauth.grants.issue('fedgate-cli', subject)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // A later approval is a new login: served.
    const later = await w.oauth.grants.issue('fedgate-cli', await exchange(await approve()));
    expect(await w.oauth.grants.authenticate(later.access_token)).not.toBeNull();
  });

  it('never serves from the cache credentials whose STS call was in flight during a revocation', async () => {
    let revokedMeanwhile = false;
    const inFlight = w.cache.getOrIssue(
      CACHE_KEY,
      async () => {
        // Another replica's admin revokes alice while STS answers this request.
        await w.flow.revoke(root, { user: 'alice' });
        revokedMeanwhile = true;
        return newCredentials();
      },
      alice,
    );
    await expect(inFlight).rejects.toMatchObject({ code: 'access_revoked' });
    expect(revokedMeanwhile).toBe(true);
    await pause();
    let issued = false;
    const next = await w.cache.getOrIssue(
      CACHE_KEY,
      () => {
        issued = true;
        return Promise.resolve(newCredentials());
      },
      alice,
    );
    expect([issued, next.source]).toEqual([true, 'issued']);
  });
});
