/**
 * Unmodified AWS clients sign in through fedgate's AWS SSO endpoints with the profiles
 * `fedgate configure --sso` writes (after `fedgate login`): botocore's
 * sso-oidc client drives the device login (approved through fedgate's device page),
 * botocore's own SSO token and credential providers refresh the token and fetch role
 * credentials, then the AWS CLI and SDK v3 `fromSSO` call sts get-caller-identity
 * against sts-local with them. Refusals are checked with the clients' own error types.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@fedgate/logging';
import { parseStsLocalConfig } from '../../apps/sts-local/src/config/load-sts-local-config';
import { startStsLocal } from '../../apps/sts-local/src/server/sts-local-server';
import {
  configFrom,
  HttpClient,
  LogCapture,
  startBroker,
  type RunningBroker,
} from '../broker/broker-harness';
import { buildBin } from '../harness/build-bin';
import { freePort } from '../harness/processes';
import type { CliDemo } from '../cli/cli-fixture';
import { loginAs } from '../cli/cli-login';

const CONFIG_DIR = join(__dirname, '..', '..', 'config');
const SCRIPT = join(__dirname, 'botocore_sso.py');
const SDK_SCRIPT = join(__dirname, 'sdk-v3-from-sso.cjs');
const PASSWORD = 'fedgate-demo';
const BOB_DEVELOPER = /^arn:aws:sts::123456789012:assumed-role\/fedgate-Developer\/bob\./;

function demoFile(name: string, brokerPort: number, stsPort: number): string {
  return readFileSync(join(CONFIG_DIR, name), 'utf8')
    .replaceAll('127.0.0.1:8080', `127.0.0.1:${brokerPort}`)
    .replaceAll('127.0.0.1:8090', `127.0.0.1:${stsPort}`)
    .replace('port: 8080', `port: ${brokerPort}`)
    .replace('port: 8090', `port: ${stsPort}`);
}

/**
 * The user's own ~/.aws/config before `fedgate configure --sso`: a comment, a setting and a
 * hand-written profile on fedgate's session for a role bob does not have.
 */
const USER_CONFIG = `# mine: fedgate configure --sso keeps this byte for byte
[default]
region = eu-west-1

[profile admin]
sso_session = fedgate
sso_account_id = 123456789012
sso_role_name = Admin
services = fedgate
region = us-east-1
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: Record<string, unknown>[];
}

let broker: RunningBroker;
let stsUrl: string;
let stopSts: () => Promise<void>;
let home: string;
let env: Record<string, string>;
let cacheFile: string;
let main: string;
let configured: Run;

/** Runs a program; `onLine` sees each JSON line of stdout as it comes. */
function run(
  command: string,
  args: readonly string[],
  onLine: (line: Record<string, unknown>) => void = () => undefined,
  extraEnv: Record<string, string> = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      env: { ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const lines: Record<string, unknown>[] = [];
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      pending += text;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        // The scripts print one JSON object a line; the AWS CLI prints indented JSON (read whole).
        if (line.startsWith('{') && line.endsWith('}')) {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          lines.push(parsed);
          onLine(parsed);
        }
        newline = pending.indexOf('\n');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr, lines });
    });
  });
}

/** A browser-like client signs in as `username` and answers the device code on fedgate's page. */
async function answerDeviceCode(
  username: string,
  userCode: string,
  action: 'approve' | 'deny',
): Promise<string> {
  const browser = new HttpClient(broker.url);
  const signedIn = await browser.login('demo', username, PASSWORD);
  expect(signedIn.status).toBe(200);
  const lookup = await browser.request('POST', '/oauth/device', {
    body: new URLSearchParams({
      csrf: browser.csrfToken ?? '',
      user_code: userCode,
      action: 'lookup',
    }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(lookup.status).toBe(200);
  const decided = await browser.request('POST', '/oauth/device', {
    body: new URLSearchParams({ csrf: browser.csrfToken ?? '', user_code: userCode, action }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(decided.status).toBe(200);
  return lookup.text;
}

/**
 * What a browser does with the authorization URL the client opens: signs in as bob, is shown
 * the approval page, approves, and follows the redirect to the client's loopback listener.
 */
async function approveAuthorization(url: string): Promise<void> {
  const browser = new HttpClient(broker.url);
  const signedIn = await browser.login('demo', 'bob', PASSWORD);
  expect(signedIn.status).toBe(200);
  const target = new URL(url);
  expect(target.origin).toBe(broker.url);
  const page = await browser.request('GET', `${target.pathname}${target.search}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain('botocore-client-authcode');
  const form = new URLSearchParams(target.search);
  form.set('csrf', browser.csrfToken ?? '');
  form.set('action', 'approve');
  const approved = await browser.request('POST', target.pathname, {
    body: form.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: broker.url },
  });
  expect(approved.status).toBe(303);
  const location = approved.headers.get('location') ?? '';
  expect(location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback\?code=fgc_/);
  expect((await fetch(location)).status).toBe(200);
}

/** `botocore_sso.py COMMAND dev`, answering the device code it prints. */
async function deviceLogin(command: 'login' | 'deny', username: string): Promise<{ run: Run; page: string }> {
  let userCode = '';
  let answered: Promise<string> | undefined;
  const result = await run('python3', [SCRIPT, command, 'demo-Developer'], (line) => {
    if (line.step === 'device') {
      userCode = String(line.userCode);
    }
    if (line.step === 'poll' && answered === undefined) {
      // Answered after the first poll, so the client has seen authorization_pending.
      answered = answerDeviceCode(username, userCode, command === 'login' ? 'approve' : 'deny');
    }
  });
  return { run: result, page: await (answered ?? Promise.resolve('')) };
}

beforeAll(async () => {
  const [brokerPort, stsPort] = [await freePort(), await freePort()];
  const sts = await startStsLocal(
    parseStsLocalConfig(demoFile('sts-local.demo.yaml', brokerPort, stsPort), {
      env: {},
      baseDir: CONFIG_DIR,
      source: 'config/sts-local.demo.yaml',
    }),
    { logger: createLogger({ level: 'info', destination: new LogCapture() }) },
  );
  stsUrl = sts.url;
  stopSts = () => sts.close();
  broker = await startBroker(configFrom(demoFile('demo.yaml', brokerPort, stsPort)), { port: brokerPort });
  home = mkdtempSync(join(tmpdir(), 'fedgate-aws-sso-'));
  mkdirSync(join(home, '.aws'), { mode: 0o700 });
  writeFileSync(join(home, '.aws', 'config'), USER_CONFIG);
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    AWS_ENDPOINT_URL_STS: stsUrl,
    AWS_EC2_METADATA_DISABLED: 'true',
    PYTHONDONTWRITEBYTECODE: '1',
    // The SDK's notice about future Node versions, on stderr, which the tests keep empty.
    NODE_NO_WARNINGS: '1',
  };
  // `fedgate configure --sso` writes the sso-session, its endpoints and bob's profiles.
  main = (await buildBin('fedgate', 'aws-sso')).main;
  await loginAs({ main, broker, env } as unknown as CliDemo, 'bob', PASSWORD, env);
  configured = await run(process.execPath, [main, 'configure', '--sso', '--region', 'us-east-1']);
}, 180_000);

afterAll(async () => {
  await broker.stop();
  await stopSts();
  rmSync(home, { recursive: true, force: true });
});

describe('fedgate configure --sso', () => {
  it('writes the sso-session, its services endpoints and one profile per entitlement after the user’s text', async () => {
    expect(configured).toMatchObject({ code: 0, stderr: '' });
    expect(configured.stdout).toBe(
      'add sso-session fedgate\nadd services fedgate\nadd profile demo-Developer\nadd profile demo-ReadOnly\n' +
        `${env.AWS_CONFIG_FILE} is up to date\n`,
    );
    const text = readFileSync(env.AWS_CONFIG_FILE ?? '', 'utf8');
    expect(text.startsWith(USER_CONFIG)).toBe(true);
    expect(text).toContain(`[sso-session fedgate]`);
    expect(text).toContain(`sso_start_url = ${broker.url}\n`);
    expect(text).toContain(`sso_oidc =\n  endpoint_url = ${broker.url}/aws-sso/oidc\n`);
    const again = await run(process.execPath, [main, 'configure', '--sso', '--region', 'us-east-1']);
    expect(again.stdout).toContain('unchanged profile demo-Developer');
    expect(readFileSync(env.AWS_CONFIG_FILE ?? '', 'utf8')).toBe(text);
  });
});

describe('fedgate as IAM Identity Center for unmodified AWS clients', () => {
  it('registers, is approved on fedgate’s device page after authorization_pending, and caches the token', async () => {
    const { run: login, page } = await deviceLogin('login', 'bob');
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    const device = login.lines.find((line) => line.step === 'device');
    expect(device).toMatchObject({
      verificationUri: `${broker.url}/oauth/device`,
      // The page without the code: it never takes one from a link.
      verificationUriComplete: `${broker.url}/oauth/device`,
      interval: 5,
    });
    expect(
      login.lines.some((line) => line.step === 'poll' && line.error === 'AuthorizationPendingException'),
    ).toBe(true);
    // The confirmation page names the registered client (by the name it registered) and the address it asked from.
    expect(page).toContain('botocore-client-test (an AWS tool, through AWS SSO)');
    expect(page).not.toContain(String(device?.clientId));
    expect(page).toContain('<dd>127.0.0.1</dd>');
    const done = login.lines.find((line) => line.step === 'done');
    expect(done).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
    cacheFile = String(done?.cacheFile);
    // Anyone may register: a registration lasts a day longer than a login can, not AWS's 90 days.
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { registrationExpiresAt: string };
    expect(Date.parse(cached.registrationExpiresAt)).toBeLessThan(Date.now() + 30 * 24 * 3600 * 1000);
    expect(Date.parse(cached.registrationExpiresAt)).toBeGreaterThan(Date.now() + 24 * 3600 * 1000);
  }, 90_000);

  it('the AWS CLI calls sts get-caller-identity with GetRoleCredentials’ credentials for the profile', async () => {
    const identity = await run('aws', [
      'sts',
      'get-caller-identity',
      '--profile',
      'demo-Developer',
      '--output',
      'json',
    ]);
    expect(identity.stderr).toBe('');
    const caller = JSON.parse(identity.stdout) as { Account: string; Arn: string };
    expect(caller.Account).toBe('123456789012');
    expect(caller.Arn).toMatch(BOB_DEVELOPER);
  }, 60_000);

  it('botocore refreshes an expired cached token through CreateToken and rotates the refresh token', async () => {
    const before = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, string>;
    writeFileSync(cacheFile, JSON.stringify({ ...before, expiresAt: '2020-01-01T00:00:00Z' }));
    const identity = await run('aws', [
      'sts',
      'get-caller-identity',
      '--profile',
      'demo-Developer',
      '--output',
      'json',
    ]);
    expect(identity.stderr).toBe('');
    expect(JSON.parse(identity.stdout)).toMatchObject({ Account: '123456789012' });
    const after = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, string>;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(Date.parse(after.expiresAt ?? '')).toBeGreaterThan(Date.now() + 50 * 60 * 1000);
    // The old access token ended with the rotation.
    const old = await fetch(`${broker.url}/aws-sso/portal/assignment/accounts`, {
      headers: { 'x-amz-sso_bearer_token': before.accessToken ?? '' },
    });
    expect(old.status).toBe(401);
    expect(old.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
  }, 60_000);

  it('SDK v3 fromSSO uses the same profile and token cache', async () => {
    const result = await run(process.execPath, [SDK_SCRIPT, 'demo-Developer'], undefined, {
      AWS_PROFILE: 'demo-Developer',
    });
    expect(result.stderr).toBe('');
    expect(String(result.lines[0]?.arn)).toMatch(BOB_DEVELOPER);
  }, 60_000);

  it('lists the user’s accounts and roles with botocore’s paginator (nextToken, maxResults)', async () => {
    const result = await run('python3', [SCRIPT, 'pages', 'demo-Developer']);
    expect(result.stderr).toBe('');
    expect(result.lines[0]).toMatchObject({
      accounts: [{ accountId: '123456789012', accountName: 'demo' }],
      // bob has Developer and ReadOnly, one per page.
      rolePages: [['Developer'], ['ReadOnly']],
    });
  }, 60_000);

  it('refuses with AWS’s exceptions, which botocore raises as its own error types', async () => {
    const result = await run('python3', [SCRIPT, 'refusals', 'demo-Developer']);
    expect(result.stderr).toBe('');
    const results = result.lines[0]?.results as Record<
      string,
      { class: string; code: string; status: number }
    >;
    expect(results).toMatchObject({
      unknownClient: { class: 'InvalidClientException', status: 401 },
      wrongSecret: { class: 'InvalidClientException', status: 401 },
      otherStartUrl: { class: 'InvalidRequestException' },
      publicOnly: { class: 'InvalidRequestException' },
      otherScope: { class: 'InvalidScopeException' },
      notLoopbackRedirect: { class: 'InvalidRedirectUriException' },
      unsupportedGrant: { class: 'UnsupportedGrantTypeException' },
      pending: { class: 'AuthorizationPendingException' },
      slowDown: { class: 'SlowDownException' },
      unknownDeviceCode: { class: 'InvalidGrantException' },
      expiredDeviceCode: { class: 'ExpiredTokenException' },
      refreshOfAnotherClient: { class: 'InvalidGrantException' },
      garbageToken: { class: 'UnauthorizedException', status: 401 },
      forgedToken: { class: 'UnauthorizedException', status: 401 },
      otherAccount: { class: 'ResourceNotFoundException', status: 404 },
      // Not modeled by botocore: a ClientError with IAM Identity Center's code and message.
      notEntitledRole: { class: 'ClientError', code: 'ForbiddenException', status: 403 },
      badPageToken: { class: 'InvalidRequestException', status: 400 },
    });
    // The AWS CLI prints its usual message for a role the user does not have.
    const admin = await run('aws', ['sts', 'get-caller-identity', '--profile', 'admin']);
    expect(admin.code).not.toBe(0);
    expect(admin.stderr).toContain('ForbiddenException');
    expect(admin.stderr).toContain('GetRoleCredentials');
  }, 90_000);

  it('a denied device login ends with AccessDeniedException', async () => {
    const { run: denied } = await deviceLogin('deny', 'bob');
    expect(denied.lines.find((line) => line.step === 'denied')).toMatchObject({
      error: 'AccessDeniedException',
    });
  }, 90_000);

  it('the authorization code grant with PKCE on a loopback redirect, approved on fedgate’s page', async () => {
    let answered: Promise<void> | undefined;
    const result = await run('python3', [SCRIPT, 'authcode', 'demo-Developer'], (line) => {
      if (line.step === 'authorize') {
        answered = approveAuthorization(String(line.url));
      }
    });
    await answered;
    expect(result.stderr).toBe('');
    const authorize = result.lines.find((line) => line.step === 'authorize');
    expect(authorize?.authorizationEndpoint).toBe(`${broker.url}/aws-sso/oidc/authorize`);
    expect(result.lines.find((line) => line.step === 'token')).toMatchObject({
      expiresIn: 3600,
      accounts: [{ accountId: '123456789012', accountName: 'demo' }],
      // A code is good once.
      replayed: { class: 'InvalidGrantException' },
    });
  }, 90_000);

  it('Logout revokes the access and refresh tokens', async () => {
    const result = await run('python3', [SCRIPT, 'logout', 'demo-Developer']);
    expect(result.stderr).toBe('');
    expect(result.lines[0]).toMatchObject({
      afterLogout: { class: 'UnauthorizedException' },
      refreshAfterLogout: { class: 'InvalidGrantException' },
    });
    const sdk = await run(process.execPath, [SDK_SCRIPT, 'demo-Developer'], undefined, {
      AWS_PROFILE: 'demo-Developer',
    });
    // The SDK wraps GetRoleCredentials' UnauthorizedException in its provider error.
    expect(sdk.lines[0]?.name).toBe('CredentialsProviderError');
    expect(String(sdk.lines[0]?.error)).toMatch(/^UnauthorizedException: /);
  }, 60_000);

  it('never logs a token, a device code or a client secret', () => {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, string>;
    const logs = broker.logs.text();
    for (const secret of [cached.accessToken, cached.refreshToken, cached.clientSecret]) {
      expect(secret).toMatch(/^fg[a-z]{1,3}_/);
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toMatch(/fg(a|r|d|cs)_[A-Za-z0-9_-]{43}/);
  }, 60_000);
});
