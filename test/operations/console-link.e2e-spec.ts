/**
 * A console link (`GET /console/{account}/{permission set}`) only asks: a cross-site navigation
 * to it, even with the user's session cookie, calls no STS and audits nothing. The page's form
 * posts with the CSRF token to the portal's console route, which issues; a forged post does not.
 */
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { brokerYaml, env, stsLocalYaml } from '../broker/issuance-fixture';
import { ALICE_PASSWORD } from '../broker/slice-config';
import { freePort } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

const DESTINATION = 'https://us-east-1.console.aws.amazon.com/s3/home';

describe('console links', () => {
  let sts: TestStsLocal;
  let broker: RunningBroker;
  let alice: HttpClient;

  beforeAll(async () => {
    const port = await freePort();
    const brokerUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(brokerUrl), env));
    broker = await startBroker(configFrom(await brokerYaml(brokerUrl, sts.url), env), { port });
    alice = new HttpClient(broker.url);
    expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
  });

  afterAll(async () => {
    await broker.stop();
    await sts.stop();
  });

  const consoleEvents = (): number =>
    broker.logs
      .lines()
      .filter(
        (line) =>
          line.msg === 'audit' && ['console_signin', 'issue_credentials'].includes(String(line.event)),
      ).length;

  function formOf(html: string): { action: string; fields: Record<string, string> } {
    const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1] ?? '';
    const fields = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((match) => [
        match[1]!,
        match[2]!.replaceAll('&amp;', '&'),
      ]),
    );
    return { action, fields };
  }

  it('answers a cross-site GET with a page that asks, calling no STS and auditing nothing', async () => {
    const calls = broker.stsCalls();
    const events = consoleEvents();
    const page = await alice.request(
      'GET',
      `/console/sandbox/Developer?destination=${encodeURIComponent(DESTINATION)}`,
      {
        headers: { 'sec-fetch-site': 'cross-site', referer: 'https://evil.example/', accept: 'text/html' },
      },
    );
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(page.headers.get('location')).toBeNull();
    expect(page.text).not.toContain('SigninToken');
    expect(formOf(page.text)).toEqual({
      action: '/console/sandbox/Developer',
      fields: { csrf_token: alice.csrfToken, destination: DESTINATION },
    });
    expect(broker.stsCalls()).toBe(calls);
    expect(consoleEvents()).toBe(events);
  });

  it('issues nothing for a forged post: another origin, or no CSRF token', async () => {
    const calls = broker.stsCalls();
    const events = consoleEvents();
    const forged = await alice.request('POST', '/console/sandbox/Developer', {
      body: new URLSearchParams({ csrf_token: alice.csrfToken ?? '' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    });
    expect(forged.status).toBe(403);
    const tokenless = await alice.request('POST', '/console/sandbox/Developer', {
      body: '',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      csrf: false,
    });
    expect(tokenless.status).toBe(403);
    for (const answer of [forged, tokenless]) {
      expect(answer.headers.get('location')).toBeNull();
    }
    expect(broker.stsCalls()).toBe(calls);
    expect(consoleEvents()).toBe(events);
  });

  it("opens the console when the page's own form is sent, at the destination it named", async () => {
    const page = await alice.request(
      'GET',
      `/console/sandbox/Developer?destination=${encodeURIComponent(DESTINATION)}`,
    );
    const { action, fields } = formOf(page.text);
    const calls = broker.stsCalls();
    const opened = await alice.request('POST', action, {
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(broker.url).origin },
    });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('cache-control')).toBe('no-store');
    const location = new URL(opened.headers.get('location') ?? '');
    expect(location.searchParams.get('Action')).toBe('login');
    expect(location.searchParams.get('Destination')).toBe(DESTINATION);
    expect(broker.stsCalls()).toBe(calls + 1);
    expect(
      broker.logs
        .lines()
        .filter(
          (line) => line.msg === 'audit' && line.event === 'console_signin' && line.outcome === 'success',
        ),
    ).toHaveLength(1);
  });

  it('sends a signed-out browser to sign in first, and answers a script 401', async () => {
    const stranger = new HttpClient(broker.url);
    const browser = await stranger.request('GET', '/console/sandbox/Developer', {
      headers: { accept: 'text/html' },
    });
    expect(browser.status).toBe(303);
    expect(browser.headers.get('location')).toBe(
      `/?return_to=${encodeURIComponent('/console/sandbox/Developer')}`,
    );
    expect((await stranger.request('GET', '/console/sandbox/Developer')).status).toBe(401);
  });
});
