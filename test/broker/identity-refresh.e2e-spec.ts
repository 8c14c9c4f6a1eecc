/**
 * Sessions whose identity is re-checked with its source every
 * `session.refreshInterval`: a user the provider disables loses the session
 * on the next request after the interval, changed groups change the
 * entitlements, and a provider that cannot answer lets nothing through
 * (fail closed) without ending the session. The provider is the test one
 * of test/flows, which refreshes like an OAuth refresh-token grant.
 */
import { TestOAuthConnector } from '../flows/test-oauth-provider';
import { configFrom, HttpClient, startBroker, type RunningBroker } from './broker-harness';
import { BROKER_SECRET_KEY, sliceConfig } from './slice-config';

const INTERVAL_SECONDS = 300;

describe('identity refresh through the broker', () => {
  const idp = new TestOAuthConnector('idp');
  let broker: RunningBroker;
  let clock = Date.now();

  beforeAll(async () => {
    const yaml = (await sliceConfig('http://127.0.0.1:1')).replace(
      'server:',
      `session: { refreshInterval: ${INTERVAL_SECONDS}s }\nserver:`,
    );
    broker = await startBroker(configFrom(yaml, { BROKER_SECRET: BROKER_SECRET_KEY }), {
      extraConnectors: [idp],
      now: () => clock,
    });
  });

  afterAll(async () => {
    await broker.stop();
  });

  async function signIn(subject: string): Promise<HttpClient> {
    const browser = new HttpClient(broker.url);
    const begun = await browser.request('GET', '/auth/idp/login');
    const query = idp.consent(begun.headers.get('location') ?? '', subject);
    const back = await browser.request('GET', `/auth/idp/callback?${new URLSearchParams(query).toString()}`);
    expect(back.status).toBe(303);
    return browser;
  }

  function audit(subject: string): Record<string, unknown>[] {
    return broker.logs
      .lines()
      .filter(
        (line) => line.msg === 'audit' && line.event === 'identity_refresh' && line.subject === subject,
      );
  }

  it('does not ask the provider again within the interval', async () => {
    const browser = await signIn('dana');
    const before = idp.refreshes;
    clock += (INTERVAL_SECONDS - 10) * 1000;
    expect((await browser.request('GET', '/api/v1/me')).status).toBe(200);
    expect(idp.refreshes).toBe(before);
  });

  it('ends the session of a user the provider disabled, once the interval has passed', async () => {
    const browser = await signIn('erin');
    expect((await browser.request('GET', '/api/v1/me')).status).toBe(200);
    idp.disabled.add('erin');
    clock += (INTERVAL_SECONDS + 1) * 1000;
    const refused = await browser.request('GET', '/api/v1/entitlements');
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('unauthenticated');
    // The session is gone, not merely refused once.
    expect((await browser.request('GET', '/api/v1/me')).status).toBe(401);
    expect(audit('erin')).toEqual([expect.objectContaining({ outcome: 'revoked', connector: 'idp' })]);
  });

  it('applies changed groups to the entitlements', async () => {
    const browser = await signIn('frank');
    const before = await browser.request('GET', '/api/v1/entitlements');
    expect((before.body.entitlements as { permissionSet: string }[]).map((e) => e.permissionSet)).toEqual([
      'Developer',
    ]);
    idp.groupsNow.set('frank', ['developers', 'admins']);
    clock += (INTERVAL_SECONDS + 1) * 1000;
    const after = await browser.request('GET', '/api/v1/entitlements');
    expect(
      (after.body.entitlements as { permissionSet: string }[]).map((e) => e.permissionSet).sort(),
    ).toEqual(['Admin', 'Developer']);
    expect((await browser.request('GET', '/api/v1/me')).body.groups).toEqual(['developers', 'admins']);
  });

  it('issues nothing while the provider cannot answer, and keeps the session for when it can', async () => {
    const browser = await signIn('gina');
    clock += (INTERVAL_SECONDS + 1) * 1000;
    idp.down = true;
    try {
      const refused = await browser.request('GET', '/api/v1/me');
      expect(refused.status).toBe(503);
      expect(refused.body.error).toBe('idp_unavailable');
    } finally {
      idp.down = false;
    }
    expect((await browser.request('GET', '/api/v1/me')).status).toBe(200);
    expect(audit('gina').map((line) => line.outcome)).toEqual(['error', 'current']);
  });
});
