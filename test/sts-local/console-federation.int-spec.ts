/**
 * The console federation endpoint (docs/issuance.md#console-sign-in): getSigninToken for the
 * credentials sts-local issued, the SessionDuration rules, login with the
 * Destination allow-list, and the demo console page.
 */
import {
  AssumeRoleCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  STSClient,
  type Credentials,
} from '@aws-sdk/client-sts';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { BROKER, roleArn, TEST_CONFIG_YAML, TEST_ENV } from './sts-local-test-config';

let sts: TestStsLocal;
let broker: STSClient;
const secrets: string[] = [];

beforeAll(async () => {
  sts = await startTestStsLocal(stsLocalConfigFrom(TEST_CONFIG_YAML, TEST_ENV));
  broker = new STSClient({ region: 'us-east-1', endpoint: sts.url, credentials: BROKER, maxAttempts: 1 });
});

afterAll(async () => {
  broker.destroy();
  await sts.stop();
});

function session(credentials: Credentials | undefined): string {
  secrets.push(credentials?.SecretAccessKey ?? '', credentials?.SessionToken ?? '');
  return JSON.stringify({
    sessionId: credentials?.AccessKeyId,
    sessionKey: credentials?.SecretAccessKey,
    sessionToken: credentials?.SessionToken,
  });
}

async function federation(query: Record<string, string>) {
  const response = await fetch(`${sts.url}/federation?${new URLSearchParams(query).toString()}`);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function signinToken(sessionJson: string, extra: Record<string, string> = {}): Promise<string> {
  const response = await federation({ Action: 'getSigninToken', Session: sessionJson, ...extra });
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const token = (JSON.parse(response.text) as { SigninToken: string }).SigninToken;
  secrets.push(token);
  return token;
}

async function assumed(): Promise<Credentials | undefined> {
  const response = await broker.send(
    new AssumeRoleCommand({
      RoleArn: roleArn('Basic'),
      RoleSessionName: 'alice.0a1b2c3d',
      SourceIdentity: 'alice',
      Tags: [{ Key: 'fedgate:mfa', Value: 'false' }],
    }),
  );
  return response.Credentials;
}

describe('console federation', () => {
  it('signs in with AssumeRole credentials and shows the session on the console page', async () => {
    const token = await signinToken(session(await assumed()), { SessionDuration: '43200' });
    const login = await federation({
      Action: 'login',
      Issuer: 'https://fedgate.example.com/',
      Destination: 'https://us-east-1.console.aws.amazon.com/s3/home?region=us-east-1',
      SigninToken: token,
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.headers.get('referrer-policy')).toBe('no-referrer');
    expect(login.headers.get('content-security-policy')).toContain("default-src 'none'");
    for (const shown of [
      '111111111111',
      'Basic',
      'alice.0a1b2c3d',
      'alice',
      'fedgate:mfa',
      'Purpose',
      'tests',
    ]) {
      expect(login.text).toContain(shown);
    }
    expect(login.text).toMatch(/Console session ends<\/th><td>\d{4}-\d\d-\d\dT/);
  });

  it('takes GetFederationToken credentials without SessionDuration and refuses them with it', async () => {
    const federated = await broker.send(new GetFederationTokenCommand({ Name: 'bob' }));
    const json = session(federated.Credentials);
    const refused = await federation({ Action: 'getSigninToken', Session: json, SessionDuration: '3600' });
    expect(refused.status).toBe(400);
    const token = await signinToken(json);
    const login = await federation({
      Action: 'login',
      Destination: 'https://console.aws.amazon.com/',
      SigninToken: token,
    });
    expect(login.status).toBe(200);
    expect(login.text).toContain('federated-user/bob');
  });

  it('refuses long-term keys, GetSessionToken credentials, wrong secrets and bad SessionDuration', async () => {
    const longTerm = JSON.stringify({
      sessionId: BROKER.accessKeyId,
      sessionKey: BROKER.secretAccessKey,
      sessionToken: 'x',
    });
    expect((await federation({ Action: 'getSigninToken', Session: longTerm })).status).toBe(400);
    const own = await broker.send(new GetSessionTokenCommand({}));
    expect((await federation({ Action: 'getSigninToken', Session: session(own.Credentials) })).status).toBe(
      400,
    );
    const credentials = await assumed();
    const wrong = JSON.stringify({
      sessionId: credentials?.AccessKeyId,
      sessionKey: 'not-the-secret',
      sessionToken: credentials?.SessionToken,
    });
    expect((await federation({ Action: 'getSigninToken', Session: wrong })).status).toBe(400);
    for (const duration of ['899', '43201', 'soon']) {
      const response = await federation({
        Action: 'getSigninToken',
        Session: session(credentials),
        SessionDuration: duration,
      });
      expect(response.status).toBe(400);
    }
    expect((await federation({ Action: 'getSigninToken', Session: '{not json' })).status).toBe(400);
    expect((await federation({ Action: 'somethingElse' })).status).toBe(400);
  });

  it('refuses destinations off the console and unknown tokens', async () => {
    const token = await signinToken(session(await assumed()));
    for (const destination of [
      'https://evil.example.com/',
      'http://console.aws.amazon.com/',
      'https://console.aws.amazon.com.evil.example/',
      'https://user@console.aws.amazon.com/',
      'https://console.amazonaws.cn/',
      'javascript:alert(1)',
    ]) {
      const response = await federation({ Action: 'login', Destination: destination, SigninToken: token });
      expect({ destination, status: response.status }).toEqual({ destination, status: 400 });
    }
    const unknown = await federation({
      Action: 'login',
      Destination: 'https://console.aws.amazon.com/',
      SigninToken: 'nope',
    });
    expect(unknown.status).toBe(400);
  });

  it('escapes what it shows', async () => {
    const token = await signinToken(session(await assumed()));
    const login = await federation({
      Action: 'login',
      Issuer: '<script>alert(1)</script>',
      Destination: 'https://console.aws.amazon.com/?q=<b>',
      SigninToken: token,
    });
    expect(login.status).toBe(200);
    expect(login.text).not.toContain('<script>alert');
    expect(login.text).not.toContain('<b>');
  });

  it('expires sign-in tokens after 15 minutes', async () => {
    let offsetMs = 0;
    const clocked = await startTestStsLocal(stsLocalConfigFrom(TEST_CONFIG_YAML, TEST_ENV), {
      now: () => Date.now() + offsetMs,
    });
    try {
      const client = new STSClient({
        region: 'us-east-1',
        endpoint: clocked.url,
        credentials: BROKER,
        maxAttempts: 1,
      });
      const response = await client.send(
        new AssumeRoleCommand({ RoleArn: roleArn('Basic'), RoleSessionName: 'late' }),
      );
      const get = await fetch(
        `${clocked.url}/federation?${new URLSearchParams({ Action: 'getSigninToken', Session: session(response.Credentials) }).toString()}`,
      );
      const token = ((await get.json()) as { SigninToken: string }).SigninToken;
      secrets.push(token);
      offsetMs = 15 * 60 * 1000 + 1000;
      const login = await fetch(
        `${clocked.url}/federation?${new URLSearchParams({ Action: 'login', Destination: 'https://console.aws.amazon.com/', SigninToken: token }).toString()}`,
      );
      expect(login.status).toBe(400);
      client.destroy();
    } finally {
      await clocked.stop();
    }
  });

  it('never logs credentials or sign-in tokens', () => {
    const logs = sts.logs.text();
    expect(logs).toContain('federation request');
    for (const secret of secrets.filter((value) => value !== '')) {
      expect(logs).not.toContain(secret);
    }
  });
});
