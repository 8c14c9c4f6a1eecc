/**
 * The first end-to-end slice (issue: foundation): static login → entitlements
 * → credentials from a real moto_server → those credentials sign a
 * GetCallerIdentity call that moto answers with the assumed-role ARN.
 */
import { startMoto, type MotoServer } from '../harness/moto';
import {
  callerIdentityWith,
  configFrom,
  HttpClient,
  startBroker,
  type RunningBroker,
} from './broker-harness';
import { ALICE_PASSWORD, BOB_PASSWORD, BROKER_SECRET_KEY, sliceConfig } from './slice-config';

describe('static login → entitlements → credentials from moto_server', () => {
  let moto: MotoServer;
  let broker: RunningBroker;
  const issuedSecrets: string[] = [];

  beforeAll(async () => {
    moto = await startMoto();
    broker = await startBroker(configFrom(await sliceConfig(moto.url), { BROKER_SECRET: BROKER_SECRET_KEY }));
  });

  afterAll(async () => {
    await broker.stop();
    await moto.stop();
  });

  it('is alive and ready when the store and the STS endpoint answer', async () => {
    const client = new HttpClient(broker.url);
    expect((await client.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await client.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { store: 'ok', 'backend:moto': 'ok' } });
  });

  it('lists the connectors', async () => {
    const response = await new HttpClient(broker.url).request('GET', '/auth/connectors');
    expect(response.body).toEqual({
      connectors: [{ id: 'demo', type: 'static', name: 'Demo users', kind: 'password' }],
    });
  });

  it('signs alice in, shows who she is and what she may use, and issues working credentials', async () => {
    const alice = new HttpClient(broker.url);
    const login = await alice.login('demo', 'alice', ALICE_PASSWORD);
    expect(login.status).toBe(200);
    const [sessionCookie, deviceCookie] = login.headers.getSetCookie();
    expect(sessionCookie).toMatch(/^fedgate_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    // The login throttle's device cookie (docs/configuration.md, loginThrottle).
    expect(deviceCookie).toMatch(
      /^fedgate_device=[A-Za-z0-9_-]{43}; Max-Age=2592000; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/,
    );
    expect(login.body.user).toMatchObject({ username: 'alice', connectorId: 'demo' });

    const me = await alice.request('GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      username: 'alice',
      subject: 'alice',
      email: 'alice@example.com',
      groups: ['admins', 'developers'],
      attributes: { department: ['Engineering'] },
    });

    const entitlements = await alice.request('GET', '/api/v1/entitlements');
    expect(entitlements.body.entitlements).toEqual([
      {
        accountId: '123456789012',
        accountName: 'sandbox',
        permissionSet: 'Admin',
        mode: 'assume-role',
        roleArn: 'arn:aws:iam::123456789012:role/fedgate-Admin',
        sessionDurationSeconds: 3600,
        sessionDurationReason: "1h: the permission set's sessionDuration",
        issuable: true,
      },
      {
        accountId: '123456789012',
        accountName: 'sandbox',
        permissionSet: 'Developer',
        mode: 'assume-role',
        roleArn: 'arn:aws:iam::123456789012:role/fedgate-Developer',
        sessionDurationSeconds: 7200,
        sessionDurationReason: "2h: the permission set's sessionDuration",
        issuable: true,
      },
    ]);

    const issued = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Developer' },
    });
    expect(issued.status).toBe(200);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(issued.body)).toEqual([
      'Version',
      'AccessKeyId',
      'SecretAccessKey',
      'SessionToken',
      'Expiration',
      'AccountId',
    ]);
    expect(issued.body).toMatchObject({ Version: 1, AccountId: '123456789012' });
    expect(issued.body.AccessKeyId).toMatch(/^ASIA/);
    expect(issued.body.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const lifetimeSeconds = (Date.parse(issued.body.Expiration as string) - Date.now()) / 1000;
    expect(lifetimeSeconds).toBeGreaterThan(7200 - 120);
    expect(lifetimeSeconds).toBeLessThanOrEqual(7200 + 5);
    issuedSecrets.push(issued.body.SecretAccessKey as string, issued.body.SessionToken as string);

    // The issued credentials sign a real call: moto answers with the assumed role.
    const caller = await callerIdentityWith(moto.url, issued.body);
    expect(caller.Account).toBe('123456789012');
    expect(caller.Arn).toMatch(
      /^arn:aws:sts::123456789012:assumed-role\/fedgate-Developer\/alice\.[0-9a-f]{8}$/,
    );
  });

  it('clamps a requested duration to the permission set', async () => {
    const alice = new HttpClient(broker.url);
    await alice.login('demo', 'alice', ALICE_PASSWORD);
    const issued = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: '123456789012', permissionSet: 'Admin', durationSeconds: 43200 },
    });
    expect(issued.status).toBe(200);
    issuedSecrets.push(issued.body.SecretAccessKey as string, issued.body.SessionToken as string);
    const lifetimeSeconds = (Date.parse(issued.body.Expiration as string) - Date.now()) / 1000;
    expect(lifetimeSeconds).toBeLessThanOrEqual(3600 + 5);
    expect(lifetimeSeconds).toBeGreaterThan(3600 - 120);
  });

  it('refuses an entitlement the user does not have without calling STS', async () => {
    const bob = new HttpClient(broker.url);
    await bob.login('demo', 'bob', BOB_PASSWORD);
    const before = broker.stsCalls();
    for (const json of [
      { accountId: 'sandbox', permissionSet: 'Admin' },
      { accountId: '999999999999', permissionSet: 'Developer' },
      { accountId: 'sandbox', permissionSet: 'Auditor' },
    ]) {
      const refused = await bob.request('POST', '/api/v1/credentials', { json });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe('not_entitled');
    }
    expect(broker.stsCalls()).toBe(before);
  });

  it('gives a wrong password and an unknown user the same answer, and no session', async () => {
    const client = new HttpClient(broker.url);
    const wrong = await client.login('demo', 'alice', 'not-her-password');
    const unknown = await client.login('demo', 'mallory', 'whatever');
    for (const response of [wrong, unknown]) {
      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        error: 'invalid_credentials',
        message: 'Invalid username or password',
      });
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    expect((await client.request('GET', '/api/v1/me')).status).toBe(401);
  });

  it.each([
    [
      'a body that is not JSON',
      { body: '{"username":', headers: { 'content-type': 'application/json' } },
      400,
      'invalid_request',
    ],
    ['a missing password', { json: { username: 'alice' } }, 400, 'invalid_request'],
    [
      'a password that is not a string',
      { json: { username: 'alice', password: 42 } },
      400,
      'invalid_request',
    ],
    [
      'an unexpected field',
      { json: { username: 'alice', password: 'x', admin: true } },
      400,
      'invalid_request',
    ],
    [
      'a body over the size limit',
      { json: { username: 'a', password: 'x'.repeat(70000) } },
      413,
      'payload_too_large',
    ],
  ])('rejects a login with %s', async (_case, options, status, code) => {
    const client = new HttpClient(broker.url);
    const response = await client.request('POST', '/auth/demo/login', options);
    expect(response.status).toBe(status);
    expect(response.body.error).toBe(code);
    expect(typeof response.body.message).toBe('string');
    expect(response.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('rejects an unknown connector and an unknown route with JSON errors', async () => {
    const client = new HttpClient(broker.url);
    const unknown = await client.request('POST', '/auth/nope/login', {
      json: { username: 'a', password: 'b' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('unknown_connector');
    const route = await client.request('GET', '/api/v2/nothing');
    expect(route.status).toBe(404);
    expect(route.body.error).toBe('not_found');
  });

  it('requires a session for the API, and the CSRF token and same origin for state changes', async () => {
    const anonymous = new HttpClient(broker.url);
    for (const path of ['/api/v1/me', '/api/v1/entitlements']) {
      const response = await anonymous.request('GET', path);
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('unauthenticated');
    }
    const forged = await anonymous.request('GET', '/api/v1/me', {
      headers: { cookie: 'fedgate_session=forged' },
    });
    expect(forged.status).toBe(401);

    const alice = new HttpClient(broker.url);
    await alice.login('demo', 'alice', ALICE_PASSWORD);
    const before = broker.stsCalls();
    const noToken = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Developer' },
      csrf: false,
    });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error).toBe('csrf_rejected');
    const crossSite = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Developer' },
      headers: { origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error).toBe('csrf_rejected');
    const badBody = await alice.request('POST', '/api/v1/credentials', { json: { accountId: 'sandbox' } });
    expect(badBody.status).toBe(400);
    expect(broker.stsCalls()).toBe(before);
  });

  it('rotates the session at login and ends it at logout', async () => {
    const alice = new HttpClient(broker.url);
    await alice.login('demo', 'alice', ALICE_PASSWORD);
    const first = alice.cookie('fedgate_session');
    await alice.login('demo', 'alice', ALICE_PASSWORD);
    const second = alice.cookie('fedgate_session');
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    const stale = await new HttpClient(broker.url).request('GET', '/api/v1/me', {
      headers: { cookie: `fedgate_session=${first ?? ''}` },
    });
    expect(stale.status).toBe(401);

    const logout = await alice.request('POST', '/auth/logout');
    expect(logout.status).toBe(204);
    const after = await new HttpClient(broker.url).request('GET', '/api/v1/me', {
      headers: { cookie: `fedgate_session=${second ?? ''}` },
    });
    expect(after.status).toBe(401);
  });

  it('never logs a password, a session cookie, a CSRF token or an issued secret', async () => {
    const alice = new HttpClient(broker.url);
    await alice.login('demo', 'alice', ALICE_PASSWORD);
    const logs = broker.logs.text();
    expect(issuedSecrets.length).toBeGreaterThanOrEqual(4);
    for (const secret of [
      ALICE_PASSWORD,
      BOB_PASSWORD,
      BROKER_SECRET_KEY,
      alice.cookie('fedgate_session') ?? 'missing',
      alice.csrfToken ?? 'missing',
      ...issuedSecrets,
    ]) {
      expect(logs).not.toContain(secret);
    }
    // The audit trail is there: logins (both outcomes) and issuance with who and what.
    const audit = broker.logs.lines().filter((line) => line.msg === 'audit');
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event: 'login',
          outcome: 'failure',
          username: 'mallory',
          reason: 'unknown user',
        }),
        expect.objectContaining({ event: 'login', outcome: 'success', subject: 'alice' }),
        expect.objectContaining({
          event: 'issue_credentials',
          outcome: 'success',
          roleArn: 'arn:aws:iam::123456789012:role/fedgate-Developer',
          sourceIdentity: 'alice',
        }),
        expect.objectContaining({ event: 'issue_credentials', outcome: 'not_entitled', subject: 'bob' }),
      ]),
    );
  });
});
