/**
 * The OAuth and AWS SSO OIDC endpoints are limited per OAuth client, per user and per client
 * address (`oauthRateLimit`), counted in Redis across two replicas: a client hammering a token
 * endpoint is refused at its limit, with 429 and Retry-After, while another client from the same
 * address goes on; a user refreshing through two clients is refused at the user's limit while
 * another user goes on; a device poll past a limit is told to slow down; every refusal is audited
 * with the check that refused it.
 */
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { ALICE_PASSWORD, BOB_PASSWORD, BROKER_SECRET_KEY, sliceConfig } from '../broker/slice-config';
import { freePort } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';

const LIMITS = { perAddress: 100, perClient: 8, perUser: 4 };
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const PASSWORDS: Record<string, string> = { alice: ALICE_PASSWORD, bob: BOB_PASSWORD };

interface Answer {
  status: number;
  retryAfter: string | null;
  errorType: string | null;
  body: Record<string, unknown>;
}

interface SsoClient {
  clientId: string;
  clientSecret: string;
}

let redis: RedisServer;
let replicas: [RunningBroker, RunningBroker];
let publicUrl: string;

beforeAll(async () => {
  redis = await startRedis();
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  const yaml = (
    await sliceConfig(
      'http://127.0.0.1:9',
      `
store: { type: redis, url: "${redis.url}", keyPrefix: "oauth-rate:" }
oauthRateLimit: { perAddress: ${LIMITS.perAddress}, perClient: ${LIMITS.perClient}, perUser: ${LIMITS.perUser}, window: 10m }
`,
    )
  ).replace('publicUrl: http://127.0.0.1:8080', `publicUrl: ${publicUrl}`);
  const config = configFrom(yaml, { BROKER_SECRET: BROKER_SECRET_KEY });
  replicas = [await startBroker(config, { port }), await startBroker(config)];
});

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
  await redis.stop();
});

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    errorType: response.headers.get('x-amzn-errortype'),
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** An AWS SSO OIDC operation, as botocore sends it (REST-JSON). */
async function sso(replica: RunningBroker, path: string, body: Record<string, unknown>): Promise<Answer> {
  return answerOf(
    await fetch(`${replica.url}/aws-sso/oidc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

/** A form to one of the CLI's OAuth endpoints. */
async function form(replica: RunningBroker, path: string, params: Record<string, string>): Promise<Answer> {
  return answerOf(
    await fetch(`${replica.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    }),
  );
}

async function register(replica: RunningBroker, name: string): Promise<SsoClient> {
  const registered = await sso(replica, 'client/register', { clientName: name, clientType: 'public' });
  expect(registered.status).toBe(200);
  return {
    clientId: registered.body.clientId as string,
    clientSecret: registered.body.clientSecret as string,
  };
}

/** A refresh with a token fedgate never issued: refused as invalid_grant, but counted like any request. */
function garbageRefresh(client: SsoClient): Record<string, unknown> {
  return { ...client, grantType: 'refresh_token', refreshToken: 'not-a-refresh-token' };
}

/** The device login of an AWS tool, approved by `username` on fedgate's device page: its refresh token. */
async function deviceLogin(replica: RunningBroker, client: SsoClient, username: string): Promise<string> {
  const started = await sso(replica, 'device_authorization', { ...client, startUrl: publicUrl });
  expect(started.status).toBe(200);
  const browser = new HttpClient(replica.url);
  expect((await browser.login('demo', username, PASSWORDS[username] ?? '')).status).toBe(200);
  for (const action of ['lookup', 'approve']) {
    const page = await browser.request('POST', '/oauth/device', {
      body: new URLSearchParams({
        csrf: browser.csrfToken ?? '',
        user_code: started.body.userCode as string,
        action,
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(page.status).toBe(200);
  }
  const tokens = await sso(replica, 'token', {
    ...client,
    grantType: DEVICE_CODE_GRANT,
    deviceCode: started.body.deviceCode,
  });
  expect(tokens.status).toBe(200);
  return tokens.body.refreshToken as string;
}

function refusals(replica: RunningBroker): Record<string, unknown>[] {
  return replica.logs.lines().filter((line) => line.msg === 'audit' && line.event === 'oauth_rate_limited');
}

describe('oauthRateLimit per client', () => {
  it('refuses an AWS tool hammering CreateToken on both replicas at its limit, while another client from the same address goes on', async () => {
    const [a, b] = replicas;
    const hammering = await register(a, 'hammering-tool');
    const other = await register(b, 'other-tool');
    for (let index = 0; index < LIMITS.perClient; index += 1) {
      const answer = await sso(replicas[index % 2] as RunningBroker, 'token', garbageRefresh(hammering));
      expect([answer.status, answer.errorType]).toEqual([400, 'InvalidGrantException']);
    }
    const refused = await sso(b, 'token', garbageRefresh(hammering));
    expect([refused.status, refused.errorType]).toEqual([429, 'TooManyRequestsException']);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body.error).toBe('temporarily_unavailable');

    const served = await sso(a, 'token', garbageRefresh(other));
    expect([served.status, served.errorType]).toEqual([400, 'InvalidGrantException']);
    expect(refusals(b)).toEqual([
      expect.objectContaining({
        front: 'aws-sso',
        endpoint: 'CreateToken',
        check: 'per-client',
        client: hammering.clientId,
        phase: 'rate.oauth',
      }),
    ]);
  });

  it('refuses the CLI client on /oauth/token at its limit, tells its device polls to slow down, and still serves AWS tools', async () => {
    const [a, b] = replicas;
    const refresh = { grant_type: 'refresh_token', client_id: 'fedgate-cli', refresh_token: 'nothing' };
    for (let index = 0; index < LIMITS.perClient; index += 1) {
      const answer = await form(replicas[index % 2] as RunningBroker, '/oauth/token', refresh);
      expect([answer.status, answer.body.error]).toEqual([400, 'invalid_grant']);
    }
    const refused = await form(a, '/oauth/token', refresh);
    expect([refused.status, refused.body.error]).toEqual([429, 'temporarily_unavailable']);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);

    const poll = await form(b, '/oauth/token', {
      grant_type: DEVICE_CODE_GRANT,
      client_id: 'fedgate-cli',
      device_code: 'nothing',
    });
    expect([poll.status, poll.body.error]).toEqual([400, 'slow_down']);
    expect(Number(poll.retryAfter)).toBeGreaterThan(0);

    const tool = await register(b, 'still-served');
    const served = await sso(b, 'token', garbageRefresh(tool));
    expect([served.status, served.errorType]).toEqual([400, 'InvalidGrantException']);
    expect(refusals(a)).toEqual([
      expect.objectContaining({ endpoint: 'token', check: 'per-client', client: 'fedgate-cli' }),
    ]);
  });
});

describe('oauthRateLimit per user', () => {
  it('counts a user’s refreshes through two clients on two replicas together, and leaves other users theirs', async () => {
    const [a, b] = replicas;
    const first = await register(a, 'first-tool');
    const second = await register(b, 'second-tool');
    let refreshFirst = await deviceLogin(a, first, 'alice');
    let refreshSecond = await deviceLogin(b, second, 'alice');
    const bobs = await deviceLogin(a, first, 'bob');

    for (let index = 0; index < LIMITS.perUser; index += 1) {
      const viaFirst = index % 2 === 0;
      const answer = await sso(viaFirst ? a : b, 'token', {
        ...(viaFirst ? first : second),
        grantType: 'refresh_token',
        refreshToken: viaFirst ? refreshFirst : refreshSecond,
      });
      expect(answer.status).toBe(200);
      if (viaFirst) {
        refreshFirst = answer.body.refreshToken as string;
      } else {
        refreshSecond = answer.body.refreshToken as string;
      }
    }
    const refused = await sso(a, 'token', {
      ...second,
      grantType: 'refresh_token',
      refreshToken: refreshSecond,
    });
    expect([refused.status, refused.errorType]).toEqual([429, 'TooManyRequestsException']);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refusals(a)).toContainEqual(
      expect.objectContaining({
        endpoint: 'CreateToken',
        check: 'per-user',
        client: second.clientId,
        connector: 'demo',
        subject: 'alice',
      }),
    );

    // Bob, through one of the same clients, has his own allowance.
    const bobRefreshed = await sso(b, 'token', { ...first, grantType: 'refresh_token', refreshToken: bobs });
    expect(bobRefreshed.status).toBe(200);
  });
});

describe('oauthRateLimit per address', () => {
  it('refuses one address past perAddress, whatever the client, with Retry-After', async () => {
    const [a, b] = replicas;
    let refused: Answer | undefined;
    for (let index = 0; index <= LIMITS.perAddress && refused === undefined; index += 1) {
      const answer = await sso(index % 2 === 0 ? a : b, 'client/register', {
        clientName: 'address-hammer',
        clientType: 'public',
      });
      if (answer.status !== 200) {
        refused = answer;
      }
    }
    expect(refused).toMatchObject({ status: 429, errorType: 'TooManyRequestsException' });
    expect(Number(refused?.retryAfter)).toBeGreaterThan(0);
    const byCheck = [...refusals(a), ...refusals(b)].filter((line) => line.check === 'per-address');
    expect(byCheck).toEqual([
      expect.objectContaining({ endpoint: 'RegisterClient', clientAddress: '127.0.0.1' }),
    ]);
  });
});
