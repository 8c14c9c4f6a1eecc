/**
 * Revocation across replicas (docs/operations/revocation.md): two broker processes (the built
 * fedgate-broker bin) on one real Redis, sts-local for STS. Alice has a browser session and a CLI
 * login and an AWS SSO login (device flows) from replica A and cached credentials; a non-admin's revocation is refused
 * and changes nothing; an admin revokes her on replica B with a short block. Then on both
 * replicas her session and CLI tokens are refused and a fresh sign-in is refused while the block
 * lasts; once it has ended she signs in again and gets newly issued credentials, not the cached
 * ones. No broker output holds a password, token, session cookie or secret key.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '@fedgate/connectors';
import { brokerYaml, env, stsCalls, stsLocalYaml } from '../broker/issuance-fixture';
import { ALICE_PASSWORD } from '../broker/slice-config';
import { buildBin } from '../harness/build-bin';
import { freePort, makeTempDir, sleep, startProcess, type RunningProcess } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

jest.setTimeout(180_000);

const ROOT_PASSWORD = 'root-admin-password-4711';
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const DEVELOPER = { accountId: 'sandbox', permissionSet: 'Developer', durationSeconds: 3600 };
const BLOCK_SECONDS = 3;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  /** AWS SSO's exception name. */
  errorType: string | null;
}

/** Everything secret the test handed out or was handed: the scan looks for each in the brokers' output. */
const secrets = new Set<string>([ALICE_PASSWORD, ROOT_PASSWORD]);

function remember(...values: unknown[]): void {
  for (const value of values) {
    if (typeof value === 'string' && value.length >= 8) {
      secrets.add(value);
    }
  }
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  remember(body.csrfToken, body.SecretAccessKey, body.SessionToken, body.access_token, body.refresh_token);
  remember(body.device_code, body.accessToken, body.refreshToken, body.deviceCode, body.clientSecret);
  return { status: response.status, body, errorType: response.headers.get('x-amzn-errortype') };
}

/** One browser's session, usable on any replica (the cookie is the host's, not the port's). */
class Browser {
  private cookie = '';
  private csrf = '';

  async signIn(url: string, username: string, password: string): Promise<Answer> {
    const response = await fetch(`${url}/auth/demo/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const cookies = response.headers.getSetCookie().map((line) => line.split(';')[0] ?? '');
    const answer = await answerOf(response);
    if (answer.status === 200) {
      this.cookie = cookies.join('; ');
      this.csrf = answer.body.csrfToken as string;
      remember(...cookies.map((pair) => pair.split('=')[1]));
    }
    return answer;
  }

  async request(url: string, method: string, path: string, json?: unknown): Promise<Answer> {
    return answerOf(
      await fetch(`${url}${path}`, {
        method,
        headers: {
          cookie: this.cookie,
          'x-csrf-token': this.csrf,
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: json === undefined ? undefined : JSON.stringify(json),
      }),
    );
  }

  /** Approves a device request on fedgate's device page, as the user would after typing the code. */
  async approveDevice(url: string, userCode: string): Promise<void> {
    for (const action of ['lookup', 'approve']) {
      const response = await fetch(`${url}/oauth/device`, {
        method: 'POST',
        headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: this.csrf, user_code: userCode, action }).toString(),
      });
      await response.arrayBuffer();
      expect(response.status).toBe(200);
    }
  }
}

async function form(url: string, path: string, params: Record<string, string>): Promise<Answer> {
  return answerOf(
    await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    }),
  );
}

async function withBearer(url: string, method: string, path: string, token: string, json?: unknown) {
  return answerOf(
    await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: json === undefined ? undefined : JSON.stringify(json),
    }),
  );
}

/** The CLI's device login, approved in `browser`: its access and refresh tokens. */
async function cliLogin(url: string, browser: Browser): Promise<{ access: string; refresh: string }> {
  const started = await form(url, '/oauth/device_authorization', { client_id: 'fedgate-cli' });
  expect(started.status).toBe(200);
  await browser.approveDevice(url, started.body.user_code as string);
  const tokens = await form(url, '/oauth/token', {
    grant_type: DEVICE_CODE_GRANT,
    device_code: started.body.device_code as string,
    client_id: 'fedgate-cli',
  });
  expect(tokens.status).toBe(200);
  return { access: tokens.body.access_token as string, refresh: tokens.body.refresh_token as string };
}

/** An AWS SSO OIDC operation, as botocore sends it (REST-JSON). */
async function sso(url: string, path: string, body: Record<string, unknown>): Promise<Answer> {
  return answerOf(
    await fetch(`${url}/aws-sso/oidc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

/** An AWS tool's device login (RegisterClient, StartDeviceAuthorization, CreateToken), approved in `browser`. */
async function ssoLogin(url: string, browser: Browser) {
  const registered = await sso(url, 'client/register', { clientName: 'aws-cli', clientType: 'public' });
  expect(registered.status).toBe(200);
  const client = {
    clientId: registered.body.clientId as string,
    clientSecret: registered.body.clientSecret as string,
  };
  const started = await sso(url, 'device_authorization', { ...client, startUrl: url });
  expect(started.status).toBe(200);
  await browser.approveDevice(url, started.body.userCode as string);
  const tokens = await sso(url, 'token', {
    ...client,
    grantType: DEVICE_CODE_GRANT,
    deviceCode: started.body.deviceCode,
  });
  expect(tokens.status).toBe(200);
  return { client, refresh: tokens.body.refreshToken as string };
}

let dir: string;
let redis: RedisServer;
let sts: TestStsLocal;
let replicas: { url: string; process: RunningProcess }[] = [];

beforeAll(async () => {
  dir = await makeTempDir('fedgate-revocation-');
  const [{ main }, ports] = await Promise.all([
    buildBin('fedgate-broker', 'revocation-broker'),
    Promise.all([freePort(), freePort()]),
  ]);
  redis = await startRedis();
  const publicUrl = `http://127.0.0.1:${ports[0]}`;
  sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(publicUrl), env));
  const extra = [
    `store: { type: redis, url: "${redis.url}", keyPrefix: "revocation:" }`,
    'admins: { users: ["demo:root"] }',
    // One user asks for credentials many times: lift the issuance rate limit (tested on its own).
    'issuanceRateLimit: { perUser: 1000000, perClient: 1000000 }',
    // One cache key for both: each replica decrypts what the other cached.
    `issuance: { cache: { keys: [{ id: k1, key: '${randomBytes(32).toString('base64')}' }] } }`,
  ].join('\n');
  const yaml = (await brokerYaml(publicUrl, sts.url, `${extra}\n`)).replace(
    '        attributes: { department: Engineering }\n',
    [
      '        attributes: { department: Engineering }',
      '      - username: root',
      `        passwordHash: "${await hashPassword(ROOT_PASSWORD, 10)}"`,
      '        groups: [operators]',
      '',
    ].join('\n'),
  );
  const config = join(dir, 'fedgate.yaml');
  writeFileSync(config, yaml);
  for (const port of ports) {
    const url = `http://127.0.0.1:${port}`;
    const process = await startProcess({
      command: globalThis.process.execPath,
      args: [main, '--config', config],
      env: { ...env, PORT: String(port) },
      ready: async () => (await fetch(`${url}/readyz`)).ok,
      timeoutMs: 30_000,
    });
    replicas.push({ url, process });
  }
});

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.process.stop()));
  replicas = [];
  await sts.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('ends a user everywhere, blocks her for a while, then serves her newly issued credentials', async () => {
  const [a, b] = replicas.map((replica) => replica.url) as [string, string];
  const alice = new Browser();
  expect((await alice.signIn(a, 'alice', ALICE_PASSWORD)).status).toBe(200);
  const cli = await cliLogin(a, alice);
  const awsTool = await ssoLogin(a, alice);
  const cached = await alice.request(a, 'POST', '/api/v1/credentials', DEVELOPER);
  expect(cached.status).toBe(200);
  const cachedKeyId = cached.body.AccessKeyId as string;
  // Replica B serves the same entry to her CLI login: one cached entry, shared.
  const viaCli = await withBearer(b, 'POST', '/api/v1/credentials', cli.access, DEVELOPER);
  expect([viaCli.status, viaCli.body.AccessKeyId]).toEqual([200, cachedKeyId]);

  // A non-admin is refused before the body is read, and nothing changes.
  const refused = await alice.request(b, 'POST', '/api/v1/admin/revoke', { user: 'alice', blockSeconds: 60 });
  expect([refused.status, refused.body.error]).toEqual([403, 'not_entitled']);
  expect((await alice.request(a, 'GET', '/api/v1/me')).status).toBe(200);
  expect((await withBearer(b, 'GET', '/api/v1/me', cli.access)).status).toBe(200);

  const root = new Browser();
  expect((await root.signIn(b, 'root', ROOT_PASSWORD)).status).toBe(200);
  const badBody = await root.request(b, 'POST', '/api/v1/admin/revoke', { user: 'alice', blockSeconds: 1e9 });
  expect(badBody.status).toBe(400);
  expect(badBody.body.message).toContain('blockSeconds');
  expect((await alice.request(a, 'GET', '/api/v1/me')).status).toBe(200);

  const revoked = await root.request(b, 'POST', '/api/v1/admin/revoke', {
    user: 'ALICE',
    blockSeconds: BLOCK_SECONDS,
    reason: 'laptop stolen',
  });
  expect(revoked.status).toBe(200);
  expect(revoked.body).toEqual({
    user: 'ALICE',
    sessionsEnded: 1,
    tokensRevoked: 2,
    cachedCredentialsPurged: 1,
    issuedBefore: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    blockedUntil: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    roles: ['arn:aws:iam::111122223333:role/fedgate-Web', 'arn:aws:iam::123456789012:role/fedgate-Developer'],
    sourceIdentities: ['alice'],
  });

  for (const url of [a, b]) {
    expect((await alice.request(url, 'GET', '/api/v1/me')).status).toBe(401);
    expect((await withBearer(url, 'GET', '/api/v1/me', cli.access)).status).toBe(401);
    const signIn = await new Browser().signIn(url, 'alice', ALICE_PASSWORD);
    expect([signIn.status, signIn.body.error]).toEqual([403, 'access_revoked']);
  }
  const refresh = await form(a, '/oauth/token', {
    grant_type: 'refresh_token',
    refresh_token: cli.refresh,
    client_id: 'fedgate-cli',
  });
  expect([refresh.status, refresh.body.error]).toEqual([400, 'invalid_grant']);
  const ssoRefresh = await sso(b, 'token', {
    ...awsTool.client,
    grantType: 'refresh_token',
    refreshToken: awsTool.refresh,
  });
  expect([ssoRefresh.status, ssoRefresh.errorType]).toEqual([400, 'InvalidGrantException']);
  // The admin's own session is untouched.
  expect((await root.request(a, 'GET', '/api/v1/me')).status).toBe(200);

  // Waiting out the block the answer named (not a timed assertion: the block is the broker's).
  await sleep(Date.parse(revoked.body.blockedUntil as string) - Date.now() + 500);
  const again = new Browser();
  expect((await again.signIn(a, 'alice', ALICE_PASSWORD)).status).toBe(200);
  const callsBefore = stsCalls(sts, 'AssumeRole');
  const fresh = await again.request(b, 'POST', '/api/v1/credentials', DEVELOPER);
  expect(fresh.status).toBe(200);
  expect(fresh.body.AccessKeyId).not.toBe(cachedKeyId);
  expect(stsCalls(sts, 'AssumeRole')).toBe(callsBefore + 1);

  // Signed out, she ends nothing more, but the credentials she was issued are still valid at AWS:
  // the answer names the role and source identity they were issued with, for the AWS side.
  expect((await again.request(a, 'POST', '/auth/logout')).status).toBe(204);
  const signedOut = await root.request(b, 'POST', '/api/v1/admin/revoke', { user: 'alice' });
  expect(signedOut.body).toMatchObject({
    sessionsEnded: 0,
    tokensRevoked: 0,
    cachedCredentialsPurged: 1,
    roles: ['arn:aws:iam::123456789012:role/fedgate-Developer'],
    sourceIdentities: ['alice'],
  });

  // An unknown user: nothing to end, still answered and audited.
  const nobody = await root.request(a, 'POST', '/api/v1/admin/revoke', { user: 'nobody', connector: 'demo' });
  expect(nobody.status).toBe(200);
  expect(nobody.body).toMatchObject({
    sessionsEnded: 0,
    tokensRevoked: 0,
    cachedCredentialsPurged: 0,
    blockedUntil: null,
    roles: [],
    sourceIdentities: [],
  });

  const output = replicas.map((replica) => replica.process.output()).join('\n');
  expect(output).toContain('"event":"admin_revoke"');
  expect(output).toContain('"reason":"laptop stolen"');
  expect(output).toContain('"outcome":"not_entitled"');
  const leaked = [...secrets].filter((secret) => output.includes(secret));
  expect(leaked.length).toBe(0);
});
