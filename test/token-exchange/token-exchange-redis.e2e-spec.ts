/**
 * Token exchange through a broker whose store is a real Redis: of 20
 * concurrent exchanges of one token exactly one gets credentials, across
 * the shared store; and while Redis is down an exchange is refused
 * (`temporarily_unavailable`), never let through, with no STS call.
 */
import { TOKEN_EXCHANGE_GRANT } from '@fedgate/token-exchange';
import { configFrom, startBroker, type RunningBroker } from '../broker/broker-harness';
import { BROKER_SECRET_KEY } from '../broker/slice-config';
import { freePort } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { LocalIssuer } from './local-issuer';
import {
  callerKey,
  CLIENT_SECRET,
  corpClaims,
  STS_LOCAL_YAML,
  tokenExchangeBrokerYaml,
} from './token-exchange-fixture';

const now = (): number => Math.floor(Date.now() / 1000);

describe('token exchange with a Redis store', () => {
  const env = { BROKER_SECRET: BROKER_SECRET_KEY };
  let redis: RedisServer;
  let sts: TestStsLocal;
  let corp: LocalIssuer;
  let github: LocalIssuer;
  let broker: RunningBroker;
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
      store: `store: { type: redis, url: ${redis.url}, keyPrefix: "token-exchange-e2e:", connectTimeout: 1s }`,
    });
    broker = await startBroker(configFrom(yaml, env), { port });
  });

  afterAll(async () => {
    await broker.stop();
    await corp.stop();
    await github.stop();
    await sts.stop();
    await redis.stop();
  });

  async function exchange(token: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${publicUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`payroll-portal:${CLIENT_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: TOKEN_EXCHANGE_GRANT,
        subject_token: token,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        resource: 'urn:fedgate:aws:sandbox:Developer',
      }).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('gives credentials to exactly one of 20 concurrent exchanges of one token', async () => {
    const token = await corp.mint(corpClaims(now(), publicUrl));
    const answers = await Promise.all(Array.from({ length: 20 }, () => exchange(token)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(
      new Set(answers.filter((answer) => answer.status !== 200).map((answer) => answer.body.fedgate_error)),
    ).toEqual(new Set(['token_replayed']));
  });

  it('refuses an exchange while the store is down, with no STS call', async () => {
    const callsBefore = broker.stsCalls();
    await redis.kill();
    const answer = await exchange(await corp.mint(corpClaims(now(), publicUrl)));
    expect([answer.status, answer.body.error]).toEqual([503, 'temporarily_unavailable']);
    expect(answer.body.AccessKeyId).toBeUndefined();
    expect(broker.stsCalls()).toBe(callsBefore);
  });
});
