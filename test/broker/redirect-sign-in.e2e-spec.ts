/**
 * Redirect sign-in through the broker's HTTP routes: `GET /auth/{id}/login`
 * binds the sign-in to the browser and redirects to the provider, and
 * `GET /auth/{id}/callback` completes it once, in that browser only, landing
 * on the return path with a fresh session. The provider is the test one of
 * test/flows (the OIDC connector arrives with its own issue).
 */
import { TestOAuthConnector } from '../flows/test-oauth-provider';
import { configFrom, HttpClient, startBroker, type RunningBroker } from './broker-harness';
import { ALICE_PASSWORD, BROKER_SECRET_KEY, sliceConfig } from './slice-config';

describe('redirect sign-in through the broker', () => {
  const idp = new TestOAuthConnector('idp');
  let broker: RunningBroker;

  beforeAll(async () => {
    const config = configFrom(await sliceConfig('http://127.0.0.1:1'), { BROKER_SECRET: BROKER_SECRET_KEY });
    broker = await startBroker(config, { extraConnectors: [idp] });
  });

  afterAll(async () => {
    await broker.stop();
  });

  async function startSignIn(client: HttpClient, returnTo: string): Promise<Record<string, string>> {
    const begun = await client.request('GET', `/auth/idp/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(begun.status).toBe(302);
    expect(begun.headers.get('cache-control')).toContain('no-store');
    const location = begun.headers.get('location') ?? '';
    expect(new URL(location).searchParams.get('redirect_uri')).toBe(
      `${broker.runtime.config.server.publicUrl}/auth/idp/callback`,
    );
    return idp.consent(location, 'carol');
  }

  /** The error code on a sign-in error page, after checking it is a page a person can read. */
  function pageError(answer: { status: number; headers: Headers; text: string }): string | undefined {
    expect(answer.headers.get('content-type')).toContain('text/html');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.text).toContain('<h1>Sign-in failed</h1>');
    return /<code id="reference">([a-z_]+) at /.exec(answer.text)?.[1];
  }

  function callbackPath(query: Record<string, string>): string {
    return `/auth/idp/callback?${new URLSearchParams(query).toString()}`;
  }

  it('lists the connector as a redirect sign-in choice', async () => {
    const listed = await new HttpClient(broker.url).request('GET', '/auth/connectors');
    expect(listed.body.connectors).toContainEqual({
      id: 'idp',
      type: 'test-oauth',
      name: 'Test provider',
      kind: 'redirect',
    });
  });

  it('signs in through the provider and lands on the return path with a session', async () => {
    const browser = new HttpClient(broker.url);
    const query = await startSignIn(browser, '/console/demo/Developer');
    expect(browser.cookie('fedgate_signin')).toBeDefined();

    const back = await browser.request('GET', callbackPath(query));
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/console/demo/Developer');
    expect(browser.cookie('fedgate_signin')).toBeUndefined();
    const me = await browser.request('GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ connectorId: 'idp', subject: 'carol' });
    expect(JSON.stringify(me.body)).not.toContain('refresh-for-carol');

    const replay = await browser.request('GET', callbackPath(query));
    expect(replay.status).toBe(400);
    expect(pageError(replay)).toBe('sign_in_state_replayed');
    expect(replay.text).toContain('This sign-in has already been completed; start it again');
  });

  it('refuses the callback in a browser that did not start the sign-in, and sets no session', async () => {
    const victim = new HttpClient(broker.url);
    const query = await startSignIn(victim, '/');
    const attacker = new HttpClient(broker.url);
    const stolen = await attacker.request('GET', callbackPath(query));
    expect(stolen.status).toBe(400);
    expect(pageError(stolen)).toBe('sign_in_state_mismatch');
    expect(attacker.cookie('fedgate_session')).toBeUndefined();
    expect((await attacker.request('GET', '/api/v1/me')).status).toBe(401);
  });

  it('answers an unknown state with its own code, on a page that echoes nothing it was sent', async () => {
    const browser = new HttpClient(broker.url);
    const answer = await browser.request(
      'GET',
      callbackPath({ code: '<script>alert(1)</script>', state: 'B'.repeat(43) }),
    );
    expect(answer.text).not.toContain('<script>');
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(answer.status).toBe(400);
    expect(pageError(answer)).toBe('sign_in_state_unknown');
  });

  it('says which way each kind of connector signs in', async () => {
    const browser = new HttpClient(broker.url);
    const redirectForPassword = await browser.request('GET', '/auth/demo/login');
    expect(redirectForPassword.status).toBe(400);
    expect(pageError(redirectForPassword)).toBe('unsupported_operation');
    expect(redirectForPassword.text).toContain('POST /auth/demo/login');
    const passwordForRedirect = await browser.login('idp', 'alice', ALICE_PASSWORD);
    expect(passwordForRedirect.status).toBe(400);
    // The JSON API keeps answering JSON.
    expect(passwordForRedirect.body.message).toContain('GET /auth/idp/login');
  });
});
