/**
 * A token exchange counts the subject token's user against `oauthRateLimit.perUser`, across two
 * replicas sharing Redis: past it, exchanges for that user are refused, for access tokens and for
 * credentials alike, with Retry-After, audited, and nothing is sent to STS; another user's
 * exchanges go on.
 */
import { TOKEN_EXCHANGE_GRANT } from '@fedgate/token-exchange';
import { configFrom, startBroker, type RunningBroker } from '../broker/broker-harness';
import { BROKER_SECRET_KEY } from '../broker/slice-config';
import { freePort } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { LocalIssuer } from '../token-exchange/local-issuer';
import {
  callerKey,
  CLIENT_SECRET,
  corpClaims,
  STS_LOCAL_YAML,
  tokenExchangeBrokerYaml,
} from '../token-exchange/token-exchange-fixture';

const PER_USER = 3;
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const PAYROLL_PORTAL = `Basic ${Buffer.from(`payroll-portal:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`;
const now = (): number => Math.floor(Date.now() / 1000);

describe('oauthRateLimit per user on token exchange', () => {
  const env = { BROKER_SECRET: BROKER_SECRET_KEY };
  let redis: RedisServer;
  let sts: TestStsLocal;
  let corp: LocalIssuer;
  let github: LocalIssuer;
  let replicas: [RunningBroker, RunningBroker];
  let publicUrl: string;

  beforeAll(async () => {
    redis = await startRedis();
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(STS_LOCAL_YAML, env));
    corp = await LocalIssuer.start('RS256');
    github = await LocalIssuer.start('RS256');
    const yaml = await tokenExchangeBrokerYaml({
      publicUrl,
      stsUrl: sts.url,
      corpIssuer: corp.issuer,
      corpJwksUrl: corp.jwksUrl,
      githubIssuer: github.issuer,
      githubJwksUrl: github.jwksUrl,
      partnerKeyPem: (await callerKey()).publicPem,
      store: `store: { type: redis, url: ${redis.url}, keyPrefix: "oauth-rate-exchange:" }
oauthRateLimit: { perUser: ${PER_USER}, window: 10m }`,
    });
    const config = configFrom(yaml, env);
    replicas = [await startBroker(config, { port }), await startBroker(config)];
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await corp.stop();
    await github.stop();
    await sts.stop();
    await redis.stop();
  });

  async function exchange(
    replica: RunningBroker,
    claims: Record<string, unknown>,
    resource?: string,
  ): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
    const response = await fetch(`${replica.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: PAYROLL_PORTAL },
      body: new URLSearchParams({
        grant_type: TOKEN_EXCHANGE_GRANT,
        subject_token: await corp.mint(corpClaims(now(), publicUrl, claims)),
        subject_token_type: JWT_TYPE,
        ...(resource === undefined ? {} : { resource }),
      }).toString(),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      retryAfter: response.headers.get('retry-after'),
    };
  }

  function audit(replica: RunningBroker, event: string): Record<string, unknown>[] {
    return replica.logs.lines().filter((line) => line.msg === 'audit' && line.event === event);
  }

  it('refuses a user past the limit on either replica, whatever the exchange asks for, and leaves other users theirs', async () => {
    const [a, b] = replicas;
    for (let index = 0; index < PER_USER; index += 1) {
      const answer = await exchange(index % 2 === 0 ? a : b, {});
      expect(answer.status).toBe(200);
    }
    const refused = await exchange(b, {});
    expect([refused.status, refused.body.error, refused.body.fedgate_error]).toEqual([
      429,
      'temporarily_unavailable',
      'rate_limited',
    ]);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(audit(b, 'oauth_rate_limited')).toEqual([
      expect.objectContaining({
        endpoint: 'token',
        grant: 'token-exchange',
        check: 'per-user',
        client: 'payroll-portal',
        connector: 'corp-assertions',
        subject: `${corp.issuer}#employee-4711`,
      }),
    ]);

    const stsCallsBefore = a.stsCalls();
    const credentials = await exchange(a, {}, 'urn:fedgate:aws:sandbox:Developer');
    expect(credentials.status).toBe(429);
    expect(Number(credentials.retryAfter)).toBeGreaterThan(0);
    expect(a.stsCalls()).toBe(stsCallsBefore);
    expect(audit(a, 'issue_credentials')).toEqual([
      expect.objectContaining({ outcome: 'rate_limited', phase: 'rate.oauth', check: 'per-user' }),
    ]);

    const someoneElse = await exchange(a, { sub: 'employee-0815', preferred_username: 'carol' });
    expect(someoneElse.status).toBe(200);
  });
});
