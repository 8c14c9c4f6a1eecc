import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { callerIdentityWith, HttpClient } from '../broker/broker-harness';
import { accessTokenFor } from '../../apps/cli/src/session/access-token';
import { launchChromium } from '../harness/browser';
import { cli, DEMO_PASSWORD, startCli, startOAuthStack, type OAuthStack } from './oauth-stack';

/** The CLI's token file, as `fedgate login` wrote it. */
interface TokenFile {
  defaultBrokerUrl?: string;
  brokers: Record<string, { accessToken: string; refreshToken: string; expiresAt: string }>;
}

let stack: OAuthStack;
let browser: Browser;
/** Every token and code this file saw: none may appear in the broker's logs. */
const secrets = new Set<string>();

beforeAll(async () => {
  [stack, browser] = await Promise.all([startOAuthStack(), launchChromium()]);
});
afterAll(async () => {
  await browser.close();
  await stack.stop();
});
afterAll(() => {
  const logs = stack.broker.logs.text();
  const leaked = [...secrets].filter((secret) => logs.includes(secret));
  expect(leaked).toEqual([]);
});

function tokenFile(): TokenFile {
  return JSON.parse(readFileSync(`${stack.env.XDG_CONFIG_HOME}/fedgate/tokens.json`, 'utf8')) as TokenFile;
}

function storedTokens(): { accessToken: string; refreshToken: string; expiresAt: string } {
  const record = tokenFile().brokers[stack.broker.url];
  if (record === undefined) {
    throw new Error('no tokens stored for the broker');
  }
  secrets.add(record.accessToken);
  secrets.add(record.refreshToken);
  return record;
}

/** Signs in on the portal's page as the static connector's user. */
async function signIn(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in to Demo users' }).click();
}

async function form(path: string, fields: Record<string, string>) {
  const response = await fetch(`${stack.broker.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const body = (await response.json()) as Record<string, unknown>;
  for (const key of ['access_token', 'refresh_token', 'device_code']) {
    if (typeof body[key] === 'string') {
      secrets.add(body[key]);
    }
  }
  return { status: response.status, headers: response.headers, body };
}

async function bearer(method: string, path: string, accessToken: string, json?: unknown) {
  const response = await fetch(`${stack.broker.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${accessToken}`,
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** `fedgate login --device`, approved by a browser-like client signed in as `username`. */
async function deviceLoginAs(username: string): Promise<void> {
  const run = startCli(['login', '--device', '--url', stack.broker.url], stack.env);
  const [, userCode] = await run.waitForStderr(/\n\n {4}([A-Z]{4}-[A-Z]{4})\n/);
  const browserLike = new HttpClient(stack.broker.url);
  expect((await browserLike.login('demo', username, DEMO_PASSWORD)).status).toBe(200);
  const approved = await browserLike.request('POST', '/oauth/device', {
    body: new URLSearchParams({
      csrf: browserLike.csrfToken!,
      user_code: userCode!,
      action: 'approve',
    }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(approved.status).toBe(200);
  await expect(run.done).resolves.toBe(0);
}

/**
 * What a signed-in browser does on the approval page: the authorization
 * request's fields and the session's CSRF token, posted back with `action`.
 */
async function answerAuthorization(
  client: HttpClient,
  params: Record<string, string>,
  action = 'approve',
  csrf = true,
) {
  const page = await client.request('GET', `/oauth/authorize?${new URLSearchParams(params).toString()}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain('Log in the fedgate CLI?');
  return client.request('POST', '/oauth/authorize', {
    body: new URLSearchParams({ ...params, ...(csrf ? { csrf: client.csrfToken! } : {}), action }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('fedgate login through the browser (loopback redirect, PKCE)', () => {
  it('signs in in Chromium through the static connector and keeps 0600 tokens; whoami answers with them', async () => {
    const run = startCli(['login', '--url', `${stack.broker.url}/`, '--no-browser'], stack.env);
    const [url] = await run.waitForStderr(/http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+/);
    const authorize = new URL(url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const page = await (await browser.newContext()).newPage();
    await page.goto(url);
    await signIn(page, 'alice');
    await expect(page.locator('h1').textContent()).resolves.toBe('Log in the fedgate CLI?');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
    await expect(page.locator('h1').textContent()).resolves.toBe('Signed in');
    await expect(run.done).resolves.toBe(0);
    expect(run.stderr()).toContain(`Logged in to ${stack.broker.url}.`);

    const file = `${stack.env.XDG_CONFIG_HOME}/fedgate/tokens.json`;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${stack.env.XDG_CONFIG_HOME}/fedgate`).mode & 0o777).toBe(0o700);
    expect(tokenFile().defaultBrokerUrl).toBe(stack.broker.url);
    storedTokens();

    const whoami = await cli(['whoami'], stack.env);
    expect(whoami).toMatchObject({ code: 0, stderr: '' });
    expect(whoami.stdout).toMatch(/^user {6}alice$/m);
    expect(whoami.stdout).toMatch(/^connector demo$/m);
  });
});

describe('fedgate login --device', () => {
  it('is approved in Chromium by typing the code, after the page shows the client, its address and the time', async () => {
    const run = startCli(['login', '--device', '--url', stack.broker.url], stack.env);
    const [, verificationUri, userCode] = await run.waitForStderr(
      /open (\S+) in a browser, sign in and type the code:\n\n {4}([A-Z]{4}-[A-Z]{4})\n/,
    );
    expect(verificationUri).toBe(`${stack.broker.url}/oauth/device`);

    const page = await (await browser.newContext()).newPage();
    // A link carrying the code pre-fills nothing: the user types it.
    await page.goto(`${verificationUri}?user_code=${userCode}`);
    await signIn(page, 'bob');
    await page.waitForURL(`${stack.broker.url}/oauth/device`);
    await expect(page.getByLabel('Code').inputValue()).resolves.toBe('');
    await page.getByLabel('Code').fill(userCode!.toLowerCase());
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Approve this login?');
    const facts = await page.locator('dl').textContent();
    expect(facts).toContain('fedgate CLI');
    expect(facts).toContain('127.0.0.1');
    expect(facts).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z \(UTC\)/);
    expect(facts).toContain(userCode);
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Login approved');

    await expect(run.done).resolves.toBe(0);
    storedTokens();
    const whoami = await cli(['whoami', '--json'], stack.env);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ username: 'bob', broker: stack.broker.url });
  });

  it('answers authorization_pending, then slow_down when polled faster than the interval', async () => {
    const started = await form('/oauth/device_authorization', { client_id: 'fedgate-cli' });
    expect(started.status).toBe(200);
    expect(started.headers.get('cache-control')).toBe('no-store');
    expect(started.body).toMatchObject({ interval: 5, verification_uri: `${stack.broker.url}/oauth/device` });
    expect(started.body).not.toHaveProperty('verification_uri_complete');
    const poll = () =>
      form('/oauth/token', {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: 'fedgate-cli',
        device_code: started.body.device_code as string,
      });
    expect((await poll()).body.error).toBe('authorization_pending');
    const fast = await poll();
    expect(fast.status).toBe(400);
    expect(fast.body.error).toBe('slow_down');
  });

  it('answers access_denied when the user denies', async () => {
    const started = await form('/oauth/device_authorization', { client_id: 'fedgate-cli' });
    const browserLike = new HttpClient(stack.broker.url);
    expect((await browserLike.login('demo', 'alice', DEMO_PASSWORD)).status).toBe(200);
    const denied = await browserLike.request('POST', '/oauth/device', {
      body: new URLSearchParams({
        csrf: browserLike.csrfToken!,
        user_code: started.body.user_code as string,
        action: 'deny',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(denied.status).toBe(200);
    expect(denied.text).toContain('Login denied');
    const poll = await form('/oauth/token', {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: 'fedgate-cli',
      device_code: started.body.device_code as string,
    });
    expect(poll.body.error).toBe('access_denied');
  });

  it('refuses a device decision without the CSRF token', async () => {
    const started = await form('/oauth/device_authorization', { client_id: 'fedgate-cli' });
    const browserLike = new HttpClient(stack.broker.url);
    await browserLike.login('demo', 'alice', DEMO_PASSWORD);
    const forged = await browserLike.request('POST', '/oauth/device', {
      body: new URLSearchParams({
        user_code: started.body.user_code as string,
        action: 'approve',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(forged.status).toBe(403);
    const poll = await form('/oauth/token', {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: 'fedgate-cli',
      device_code: started.body.device_code as string,
    });
    expect(poll.body.error).toBe('authorization_pending');
  });
});

describe('refresh tokens', () => {
  it('are refreshed silently and rotated; presenting the old one again revokes the whole login', async () => {
    await deviceLoginAs('bob');
    const before = storedTokens();
    // As if the access token had expired: the next command refreshes first.
    const file = tokenFile();
    file.brokers[stack.broker.url] = { ...before, expiresAt: new Date(Date.now() - 1000).toISOString() };
    writeFileSync(`${stack.env.XDG_CONFIG_HOME}/fedgate/tokens.json`, JSON.stringify(file), { mode: 0o600 });

    expect((await cli(['whoami'], stack.env)).code).toBe(0);
    const after = storedTokens();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect((await bearer('GET', '/api/v1/me', before.accessToken)).status).toBe(401);
    expect((await bearer('GET', '/api/v1/me', after.accessToken)).status).toBe(200);

    const reuse = await form('/oauth/token', {
      grant_type: 'refresh_token',
      client_id: 'fedgate-cli',
      refresh_token: before.refreshToken,
    });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await bearer('GET', '/api/v1/me', after.accessToken)).status).toBe(401);
    const legit = await form('/oauth/token', {
      grant_type: 'refresh_token',
      client_id: 'fedgate-cli',
      refresh_token: after.refreshToken,
    });
    expect(legit.body.error).toBe('invalid_grant');
    expect(stack.broker.logs.text()).toContain('oauth_refresh_reuse');

    const whoami = await cli(['whoami'], stack.env);
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toContain(`run fedgate login --url ${stack.broker.url}`);
  });
});

describe('refreshing from many processes at once', () => {
  it('refreshes once under the token lock, so rotation never looks like reuse', async () => {
    await deviceLoginAs('alice');
    const before = storedTokens();
    const file = tokenFile();
    file.brokers[stack.broker.url] = { ...before, expiresAt: new Date(Date.now() - 1000).toISOString() };
    writeFileSync(`${stack.env.XDG_CONFIG_HOME}/fedgate/tokens.json`, JSON.stringify(file), { mode: 0o600 });

    const results = await Promise.all(
      Array.from({ length: 10 }, () => accessTokenFor(undefined, { env: stack.env })),
    );
    const tokens = new Set(results.map((result) => result.accessToken));
    expect(tokens.size).toBe(1);
    const [accessToken] = [...tokens];
    secrets.add(accessToken!);
    expect(accessToken).not.toBe(before.accessToken);
    expect((await bearer('GET', '/api/v1/me', accessToken!)).status).toBe(200);
  });
});

describe('a stolen or forged loopback redirect', () => {
  let signedIn: HttpClient;
  beforeAll(async () => {
    signedIn = new HttpClient(stack.broker.url);
    expect((await signedIn.login('demo', 'alice', DEMO_PASSWORD)).status).toBe(200);
  });

  function authorizeParams(overrides: Record<string, string | undefined> = {}): Record<string, string> {
    const params: Record<string, string> = {};
    const base: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: 'fedgate-cli',
      redirect_uri: 'http://127.0.0.1:43111/callback',
      state: 'state-1',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      ...overrides,
    };
    for (const [key, value] of Object.entries(base)) {
      if (value !== undefined) {
        params[key] = value;
      }
    }
    return params;
  }

  function authorizeQuery(overrides: Record<string, string | undefined>): string {
    return `/oauth/authorize?${new URLSearchParams(authorizeParams(overrides)).toString()}`;
  }

  it.each([
    ['a path other than /callback', { redirect_uri: 'http://127.0.0.1:43111/steal' }],
    ['a host other than a loopback IP', { redirect_uri: 'http://evil.example.com:43111/callback' }],
    ['localhost (it may resolve elsewhere)', { redirect_uri: 'http://localhost:43111/callback' }],
    ['no PKCE challenge', { code_challenge: undefined, code_challenge_method: undefined }],
    ['plain PKCE', { code_challenge_method: 'plain' }],
    ['an unknown client', { client_id: 'someone-else' }],
  ])('with %s is refused on a page and never redirected', async (_case, overrides) => {
    const response = await signedIn.request('GET', authorizeQuery(overrides));
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.text).toContain('Login refused');
  });

  it('sends the code only to the exact loopback URI, and refuses it at another port or without the verifier', async () => {
    const { verifier, challenge } = pkce();
    const redirectUri = 'http://127.0.0.1:43111/callback';
    const codeFor = async () => {
      const response = await answerAuthorization(
        signedIn,
        authorizeParams({ redirect_uri: redirectUri, code_challenge: challenge }),
      );
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get('location') ?? '');
      expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
      expect(location.searchParams.get('state')).toBe('state-1');
      const code = location.searchParams.get('code') ?? '';
      secrets.add(code);
      return code;
    };
    const exchange = (code: string, fields: Record<string, string>) =>
      form('/oauth/token', { grant_type: 'authorization_code', client_id: 'fedgate-cli', code, ...fields });

    const wrongPort = await exchange(await codeFor(), {
      redirect_uri: 'http://127.0.0.1:43112/callback',
      code_verifier: verifier,
    });
    expect(wrongPort.body.error).toBe('invalid_grant');
    const noVerifier = await exchange(await codeFor(), { redirect_uri: redirectUri });
    expect(noVerifier.body.error).toBe('invalid_grant');

    const code = await codeFor();
    const good = await exchange(code, { redirect_uri: redirectUri, code_verifier: verifier });
    expect(good.status).toBe(200);
    expect(good.headers.get('cache-control')).toBe('no-store');
    const again = await exchange(code, { redirect_uri: redirectUri, code_verifier: verifier });
    expect(again.body.error).toBe('invalid_grant');
  });

  it('asks the user to approve: no code without the CSRF token, access_denied when denied', async () => {
    const forged = await answerAuthorization(signedIn, authorizeParams(), 'approve', false);
    expect(forged.status).toBe(403);
    expect(forged.headers.get('location')).toBeNull();
    const denied = await answerAuthorization(signedIn, authorizeParams(), 'deny');
    expect(denied.status).toBe(303);
    const location = new URL(denied.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('state-1');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('sends a browser without a session to sign in first, and back', async () => {
    const response = await new HttpClient(stack.broker.url).request('GET', authorizeQuery({}));
    expect(response.status).toBe(302);
    const location = response.headers.get('location') ?? '';
    expect(location.startsWith('/?return_to=%2Foauth%2Fauthorize%3F')).toBe(true);
  });
});

describe('/api/v1 with a bearer access token', () => {
  let accessToken: string;
  beforeAll(async () => {
    const { verifier, challenge } = pkce();
    const signedIn = new HttpClient(stack.broker.url);
    await signedIn.login('demo', 'alice', DEMO_PASSWORD);
    const redirectUri = 'http://[::1]:43113/callback';
    const authorized = await answerAuthorization(signedIn, {
      response_type: 'code',
      client_id: 'fedgate-cli',
      redirect_uri: redirectUri,
      state: 's',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const code = new URL(authorized.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokens = await form('/oauth/token', {
      grant_type: 'authorization_code',
      client_id: 'fedgate-cli',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    accessToken = tokens.body.access_token as string;
  });

  it('issues credentials without a CSRF token, and they work at STS', async () => {
    const issued = await bearer('POST', '/api/v1/credentials', accessToken, {
      accountId: '123456789012',
      permissionSet: 'Developer',
    });
    expect(issued.status).toBe(200);
    secrets.add(issued.body.SecretAccessKey as string);
    secrets.add(issued.body.SessionToken as string);
    const identity = await callerIdentityWith(stack.stsUrl, issued.body);
    expect(identity.Arn).toContain('fedgate-Developer');
  });

  it('still asks cookie sessions for the CSRF token', async () => {
    const cookieClient = new HttpClient(stack.broker.url);
    await cookieClient.login('demo', 'alice', DEMO_PASSWORD);
    const refused = await cookieClient.request('POST', '/api/v1/credentials', {
      json: { accountId: '123456789012', permissionSet: 'Developer' },
      csrf: false,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('csrf_rejected');
  });

  it('refuses a wrong or malformed bearer token with 401, without trying the cookie', async () => {
    const cookieClient = new HttpClient(stack.broker.url);
    await cookieClient.login('demo', 'alice', DEMO_PASSWORD);
    for (const header of ['Bearer fga_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'Basic abc', 'Bearer']) {
      const response = await cookieClient.request('GET', '/api/v1/me', {
        headers: { authorization: header },
      });
      expect(response.status).toBe(401);
    }
  });
});

describe('fedgate logout', () => {
  it('revokes the login on the broker and deletes the local tokens', async () => {
    await deviceLoginAs('alice');
    const tokens = storedTokens();
    expect((await bearer('GET', '/api/v1/me', tokens.accessToken)).status).toBe(200);

    const logout = await cli(['logout'], stack.env);
    expect(logout).toEqual({ code: 0, stdout: '', stderr: `Logged out of ${stack.broker.url}.\n` });
    expect(tokenFile().brokers[stack.broker.url]).toBeUndefined();
    expect((await bearer('GET', '/api/v1/me', tokens.accessToken)).status).toBe(401);
    const refresh = await form('/oauth/token', {
      grant_type: 'refresh_token',
      client_id: 'fedgate-cli',
      refresh_token: tokens.refreshToken,
    });
    expect(refresh.body.error).toBe('invalid_grant');
  });
});
