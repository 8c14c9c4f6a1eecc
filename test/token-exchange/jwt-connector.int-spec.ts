/**
 * The jwt connector (trusted token issuers) against a local issuer that
 * serves its JWKS over HTTP, with GitHub Actions' and Kubernetes'
 * documented claim shapes: the token connector contract for a JWKS URL
 * and for static keys, claim conditions (exact, list, glob, dotted claim
 * names), subjects namespaced by issuer, key rotation, the maximum age,
 * and `jti` single use under 20 concurrent exchanges in memory and in
 * a real Redis (exactly one succeeds), and a store that is down.
 */
import { randomUUID } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import { createConnector, jwtConnectorConfigSchema, type TokenConnector } from '@fedgate/connectors';
import { createStore, type Store } from '@fedgate/store';
import { describeTokenConnectorContract } from '../../libs/connectors/src/token-connector.contract';
import { freePort } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import { githubActionsClaims, kubernetesClaims, LocalIssuer } from './local-issuer';

const AUDIENCE = 'https://fedgate.example.com';

function jwtConnector(config: Record<string, unknown>, store: Store, clock?: () => Date): TokenConnector {
  const parsed = jwtConnectorConfigSchema.safeParse({ type: 'jwt', audience: AUDIENCE, ...config });
  if (!parsed.success) {
    throw new Error(`invalid test config: ${parsed.error.message}`);
  }
  return createConnector(parsed.data, {
    store,
    ...(clock === undefined ? {} : { now: clock }),
  }) as TokenConnector;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (error: unknown) =>
      error instanceof FedgateError
        ? `${error.code}${typeof error.detail.check === 'string' ? `/${error.detail.check}` : ''}`
        : `not a FedgateError: ${String(error)}`,
  );
}

const now = (): number => Math.floor(Date.now() / 1000);

describe('jwt connector', () => {
  let github: LocalIssuer;
  let kubernetes: LocalIssuer;
  let store: Store;
  let closedPort: number;

  beforeAll(async () => {
    github = await LocalIssuer.start('RS256');
    kubernetes = await LocalIssuer.start('ES256');
    store = await createStore({ type: 'memory' });
    closedPort = await freePort();
  });

  afterAll(async () => {
    await github.stop();
    await kubernetes.stop();
    await store.close();
  });

  const githubConfig = (extra: Record<string, unknown> = {}) => ({
    id: 'github-actions',
    issuer: github.issuer,
    jwksUrl: github.jwksUrl,
    claims: { username: 'repository', attributes: { repository: 'repository', environment: 'environment' } },
    conditions: { repository: 'octo-org/*', ref: ['refs/heads/main', 'refs/tags/v*'], environment: 'prod' },
    ...extra,
  });
  const kubernetesConfig = (extra: Record<string, unknown> = {}) => ({
    id: 'cluster',
    issuer: kubernetes.issuer,
    keys: [kubernetes.publicPem],
    algorithms: ['ES256'],
    claims: { username: 'kubernetes.io.serviceaccount.name', groups: 'kubernetes.io.namespace' },
    conditions: { 'kubernetes.io.namespace': 'ci', sub: 'system:serviceaccount:ci:*' },
    ...extra,
  });

  describeTokenConnectorContract('jwt with a JWKS URL (GitHub Actions claims)', () => ({
    connector: jwtConnector(githubConfig(), store),
    unreachable: jwtConnector(
      githubConfig({ jwksUrl: `http://127.0.0.1:${closedPort}/jwks`, timeout: '1s' }),
      store,
    ),
    mint: (claims = {}, signing) =>
      github.mint({ ...githubActionsClaims(now(), AUDIENCE), ...claims }, signing ?? 'valid'),
    nowSeconds: now,
  }));

  describeTokenConnectorContract('jwt with static keys (Kubernetes claims)', () => ({
    connector: jwtConnector(kubernetesConfig(), store),
    unreachable: jwtConnector(
      kubernetesConfig({
        keys: undefined,
        jwksUrl: `http://127.0.0.1:${closedPort}/openid/v1/jwks`,
        timeout: '1s',
      }),
      store,
    ),
    mint: (claims = {}, signing) =>
      kubernetes.mint({ ...kubernetesClaims(now(), AUDIENCE), ...claims }, signing ?? 'valid'),
    nowSeconds: now,
  }));

  it('maps GitHub Actions claims to an identity whose subject names the issuer', async () => {
    const connector = jwtConnector(githubConfig(), store);
    const { identity } = await connector.exchange(
      await github.mint(githubActionsClaims(now(), AUDIENCE)),
      {},
    );
    expect(identity).toMatchObject({
      connectorId: 'github-actions',
      subject: `${github.issuer}#repo:octo-org/octo-repo:environment:prod`,
      username: 'octo-org/octo-repo',
      attributes: { repository: ['octo-org/octo-repo'], environment: ['prod'] },
      mfa: { satisfied: false, methods: [] },
    });
  });

  it('reads dotted Kubernetes claim names (kubernetes.io.namespace)', async () => {
    const connector = jwtConnector(kubernetesConfig(), store);
    const { identity } = await connector.exchange(
      await kubernetes.mint(kubernetesClaims(now(), AUDIENCE)),
      {},
    );
    expect(identity).toMatchObject({
      subject: `${kubernetes.issuer}#system:serviceaccount:ci:deployer`,
      username: 'deployer',
      groups: ['ci'],
    });
  });

  it('two issuers with the same sub are two subjects', async () => {
    const one = jwtConnector(githubConfig({ conditions: {} }), store);
    const two = jwtConnector(kubernetesConfig({ conditions: {}, claims: {} }), store);
    const sub = 'same-subject';
    const a = await one.exchange(await github.mint({ ...githubActionsClaims(now(), AUDIENCE), sub }), {});
    const b = await two.exchange(await kubernetes.mint({ ...kubernetesClaims(now(), AUDIENCE), sub }), {});
    expect(a.identity.subject).not.toBe(b.identity.subject);
  });

  it.each([
    ['a repository outside the org', { repository: 'octo-org-evil/octo-repo' }, 'repository'],
    ['another branch', { ref: 'refs/heads/feature' }, 'ref'],
    ['another environment', { environment: 'staging' }, 'environment'],
    ['no environment claim at all', { environment: undefined }, 'environment'],
  ])('refuses %s with claim_condition', async (_name, claims, claim) => {
    const connector = jwtConnector(githubConfig(), store);
    const token = await github.mint({ ...githubActionsClaims(now(), AUDIENCE), ...claims });
    const error = await connector.exchange(token, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FedgateError);
    expect((error as FedgateError).detail).toMatchObject({ check: 'claim_condition', claim });
    expect((error as FedgateError).phase).toBe('jwt.verify');
  });

  it('accepts a tag matching a glob of the list', async () => {
    const connector = jwtConnector(githubConfig(), store);
    const token = await github.mint({ ...githubActionsClaims(now(), AUDIENCE), ref: 'refs/tags/v1.2.3' });
    expect(await refusal(connector.exchange(token, {}))).toBe('accepted');
  });

  it('refuses a Kubernetes token of another namespace', async () => {
    const connector = jwtConnector(kubernetesConfig(), store);
    const claims = kubernetesClaims(now(), AUDIENCE);
    const token = await kubernetes.mint({
      ...claims,
      sub: 'system:serviceaccount:prod:deployer',
      'kubernetes.io': { ...(claims['kubernetes.io'] as object), namespace: 'prod' },
    });
    expect(await refusal(connector.exchange(token, {}))).toBe('assertion_invalid/claim_condition');
  });

  it('refuses a token older than maxTokenAge even before its exp', async () => {
    const connector = jwtConnector(githubConfig({ maxTokenAge: '5m', clockSkew: '0s' }), store);
    const token = await github.mint({
      ...githubActionsClaims(now(), AUDIENCE),
      iat: now() - 3600,
      exp: now() + 60,
    });
    expect(await refusal(connector.exchange(token, {}))).toBe('assertion_invalid/too_old');
  });

  it('refuses a token with nbf in the future', async () => {
    const connector = jwtConnector(githubConfig({ clockSkew: '0s' }), store);
    const token = await github.mint({ ...githubActionsClaims(now(), AUDIENCE), nbf: now() + 120 });
    expect(await refusal(connector.exchange(token, {}))).toBe('assertion_invalid/not_yet_valid');
  });

  it('follows a key rotation by refetching the JWKS, at most once a minute', async () => {
    const issuer = await LocalIssuer.start('RS256');
    let offsetMs = 0;
    const clock = () => new Date(Date.now() + offsetMs);
    try {
      const connector = jwtConnector(
        githubConfig({ id: 'rotating', issuer: issuer.issuer, jwksUrl: issuer.jwksUrl }),
        store,
        clock,
      );
      await connector.exchange(await issuer.mint(githubActionsClaims(now(), AUDIENCE)), {});
      expect(issuer.jwksFetches).toBe(1);
      await issuer.rotate();
      // Right after a fetch, an unknown kid is refused, never accepted unverified, and fetches nothing.
      const early = await issuer.mint(githubActionsClaims(now(), AUDIENCE));
      expect(await refusal(connector.exchange(early, {}))).toBe('assertion_invalid/signature');
      expect(issuer.jwksFetches).toBe(1);
      offsetMs = 61_000;
      const later = await issuer.mint(githubActionsClaims(now() + 61, AUDIENCE));
      expect(await refusal(connector.exchange(later, {}))).toBe('accepted');
      expect(issuer.jwksFetches).toBe(2);
    } finally {
      await issuer.stop();
    }
  });

  it('accepts a reused Kubernetes token when singleUseJti is false', async () => {
    const connector = jwtConnector(kubernetesConfig({ id: 'reusing', singleUseJti: false }), store);
    const token = await kubernetes.mint(kubernetesClaims(now(), AUDIENCE));
    expect(await refusal(connector.exchange(token, {}))).toBe('accepted');
    expect(await refusal(connector.exchange(token, {}))).toBe('accepted');
  });

  it('refuses a config with an HMAC or no algorithm, or a private key as a key', () => {
    const base = {
      type: 'jwt',
      id: 'x',
      issuer: 'https://issuer.example',
      audience: 'a',
      jwksUrl: 'https://issuer.example/jwks',
    };
    expect(jwtConnectorConfigSchema.safeParse({ ...base, algorithms: ['HS256'] }).success).toBe(false);
    expect(jwtConnectorConfigSchema.safeParse({ ...base, algorithms: ['none'] }).success).toBe(false);
    expect(
      jwtConnectorConfigSchema.safeParse({
        ...base,
        jwksUrl: undefined,
        keys: ['{"kty":"oct","k":"c2VjcmV0"}'],
      }).success,
    ).toBe(false);
    expect(jwtConnectorConfigSchema.safeParse({ ...base, keys: [github.publicPem] }).success).toBe(false);
    expect(
      jwtConnectorConfigSchema.safeParse({ ...base, jwksUrl: 'http://issuer.example/jwks' }).success,
    ).toBe(false);
  });

  describe('jti single use under concurrency', () => {
    let redis: RedisServer;

    beforeAll(async () => {
      redis = await startRedis();
    });

    afterAll(async () => {
      await redis.stop();
    });

    async function race(replayStore: Store): Promise<string[]> {
      const connector = jwtConnector(githubConfig({ id: `race-${randomUUID().slice(0, 8)}` }), replayStore);
      const token = await github.mint(githubActionsClaims(now(), AUDIENCE));
      return Promise.all(Array.from({ length: 20 }, () => refusal(connector.exchange(token, {}))));
    }

    it('accepts exactly one of 20 concurrent exchanges of one token (memory store)', async () => {
      const outcomes = await race(store);
      expect(outcomes.filter((outcome) => outcome === 'accepted')).toHaveLength(1);
      expect(new Set(outcomes.filter((outcome) => outcome !== 'accepted'))).toEqual(
        new Set(['assertion_invalid/replayed']),
      );
    });

    it('accepts exactly one of 20 concurrent exchanges of one token (Redis)', async () => {
      const redisStore = await createStore({ type: 'redis', url: redis.url, keyPrefix: 'jwt-race:' });
      try {
        const outcomes = await race(redisStore);
        expect(outcomes.filter((outcome) => outcome === 'accepted')).toHaveLength(1);
        expect(new Set(outcomes.filter((outcome) => outcome !== 'accepted'))).toEqual(
          new Set(['assertion_invalid/replayed']),
        );
      } finally {
        await redisStore.close();
      }
    });

    it('refuses a token with a jti while the store is down', async () => {
      const down = await createStore({ type: 'redis', url: redis.url, keyPrefix: 'jwt-down:' });
      await down.close();
      const connector = jwtConnector(githubConfig({ id: 'storeless' }), down);
      const token = await github.mint(githubActionsClaims(now(), AUDIENCE));
      expect(await refusal(connector.exchange(token, {}))).toMatch(/^store_unavailable/);
    });
  });
});
