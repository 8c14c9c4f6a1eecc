/**
 * The employee portal in Chromium against the demo (docs/portal.md): alice's
 * whole journey, a deep link through sign-in, the pages without JavaScript,
 * sign-in errors in words, injected markup shown as text; on every page the
 * security headers, no CSP violation and no serious axe-core finding.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../harness/browser';
import { requireBinary } from '../harness/processes';
import {
  cspViolations,
  expectPortalHeaders,
  seriousAccessibilityProblems,
  startPortalStack,
  type PortalStack,
} from './portal-harness';

const run = promisify(execFile);
const ACCOUNT = '123456789012';

/** Checks a page the portal just answered: headers, accessibility, and (at the end) CSP. */
async function checkPage(page: Page, response: Awaited<ReturnType<Page['goto']>>): Promise<void> {
  expectPortalHeaders(response);
  expect(await seriousAccessibilityProblems(page)).toEqual([]);
}

/** The page's HTML once any navigation (a redirect to sign-in) has finished. */
async function settledContent(page: Page): Promise<string> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await page.waitForLoadState('load');
      return await page.content();
    } catch (error) {
      if (attempt === 20) {
        throw error;
      }
      await page.waitForTimeout(100);
    }
  }
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in to Demo users' }).click();
}

describe('the employee portal', () => {
  let stack: PortalStack;
  let browser: Browser;
  const shownSecrets: string[] = [];

  beforeAll(async () => {
    stack = await startPortalStack();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser.close();
    await stack.stop();
    const logs = stack.logs();
    for (const secret of shownSecrets) {
      expect(logs).not.toContain(secret);
    }
  });

  it('takes alice from sign-in to the console and working command-line credentials, and signs her out', async () => {
    requireBinary('aws', 'pip install awscli');
    const context = await browser.newContext();
    const page = await context.newPage();
    const refused = cspViolations(page);

    const signInPage = await page.goto(`${stack.brokerUrl}/`);
    await checkPage(page, signInPage);
    await signIn(page, 'alice', 'fedgate-demo');
    await page.waitForURL(`${stack.brokerUrl}/accounts`);
    expectPortalHeaders(await page.reload());
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await expect(page.locator('#session-user').textContent()).resolves.toBe('alice');
    await expect(page.locator('#session-connector').textContent()).resolves.toBe('Demo users');
    await expect(page.locator('#session-mfa').textContent()).resolves.toBe('No');

    // Search as you type: the filter hides what does not match and says so.
    const filter = page.getByLabel('Search accounts and permission sets');
    await filter.fill('nothing-like-this');
    await expect(page.locator('#filter-empty').isVisible()).resolves.toBe(true);
    await expect(page.locator('.account').first().isVisible()).resolves.toBe(false);
    await filter.fill('');
    await filter.pressSequentially('dem');
    await expect(page.locator('.account').first().isVisible()).resolves.toBe(true);
    await expect(page.locator('#filter-count').textContent()).resolves.toBe('1 of 1 accounts shown');

    // The account expands (keyboard: the summary takes Enter) to its permission sets and why.
    await page.locator('.account summary').first().focus();
    await page.keyboard.press('Enter');
    const developer = page.locator(`#set-${ACCOUNT}-Developer`);
    await expect(developer.isVisible()).resolves.toBe(true);
    const facts = (await developer.textContent()) ?? '';
    expect(facts).toContain('Everyday development access');
    expect(facts).toMatch(/Session\s*1h\s*\(1h/);
    expect(facts).toMatch(/MFA\s*Not required/);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);

    // Console: a form post into a new tab, which lands on sts-local's console as alice's session.
    const [consoleTab] = await Promise.all([
      context.waitForEvent('page'),
      developer.getByRole('button', { name: /^Console/ }).click(),
    ]);
    await consoleTab.waitForLoadState();
    expect(consoleTab.url().startsWith(`${stack.stsUrl}/`)).toBe(true);
    const consoleText = (await consoleTab.textContent('body')) ?? '';
    expect(consoleText).toMatch(/Role\s*fedgate-Developer/);
    expect(consoleText).toMatch(/SourceIdentity\s*alice/);
    expect(consoleText).toContain('Department = Engineering');
    expect(consoleText).toContain('CostCenter = CC-1001');
    await consoleTab.close();

    // Command line: the profile at once, the secrets only on request, in a POST answer.
    await developer.getByRole('link', { name: /^Command line/ }).click();
    await page.waitForURL(`${stack.brokerUrl}/accounts/${ACCOUNT}/Developer`);
    expect(await page.locator('#snippet-config').textContent()).toBe(
      [
        '[profile demo-Developer]',
        `credential_process = fedgate credential-process --url ${stack.brokerUrl} --account ${ACCOUNT} --permission-set Developer`,
      ].join('\n'),
    );
    expect(await page.locator('#snippet-bash').count()).toBe(0);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    const [shown] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith('/credentials')),
      page.getByRole('button', { name: 'Show credentials' }).click(),
    ]);
    expectPortalHeaders(shown);
    expect(shown.request().method()).toBe('POST');
    await page.waitForSelector('#snippet-bash');
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    const exports = (await page.locator('#snippet-bash').textContent()) ?? '';
    const secretKey = /AWS_SECRET_ACCESS_KEY='([^']+)'/.exec(exports)?.[1] ?? '';
    const sessionToken = /AWS_SESSION_TOKEN='([^']+)'/.exec(exports)?.[1] ?? '';
    expect(secretKey).not.toBe('');
    shownSecrets.push(secretKey, sessionToken);
    expect(page.url()).not.toContain(secretKey);
    for (const id of ['#snippet-fish', '#snippet-powershell', '#snippet-credentials-file']) {
      expect(await page.locator(id).textContent()).toContain(secretKey);
    }
    // The copy buttons appear with script, and copy the snippet.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.brokerUrl });
    await page.getByRole('button', { name: 'Copy bash and zsh' }).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(exports);

    // The exports work as they are, with the AWS CLI against sts-local.
    const home = mkdtempSync(join(tmpdir(), 'fedgate-portal-aws-'));
    try {
      const { stdout } = await run(
        'bash',
        ['-c', `${exports}\naws sts get-caller-identity --region us-east-1 --output json`],
        {
          env: {
            PATH: process.env.PATH ?? '',
            HOME: home,
            AWS_CONFIG_FILE: join(home, 'config'),
            AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
            AWS_ENDPOINT_URL_STS: stack.stsUrl,
          },
        },
      );
      const caller = JSON.parse(stdout) as { Account: string; Arn: string };
      expect(caller.Account).toBe(ACCOUNT);
      expect(caller.Arn).toMatch(
        new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/fedgate-Developer/alice\\.`),
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }

    // Sign out, then the back button: nothing private comes back.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${stack.brokerUrl}/?signed_out=1`);
    await expect(page.locator('#notice').textContent()).resolves.toBe('You have signed out.');
    for (let step = 0; step < 3; step += 1) {
      // A page answered to a POST is not fetched again (Chromium shows its own error page instead).
      await page.goBack().catch(() => null);
      const html = await settledContent(page);
      expect(html).not.toContain(secretKey);
      expect(html).not.toContain('Signed in as');
    }
    expect(refused).toEqual([]);
    await context.close();
  });

  it('takes a signed-out deep link to /console/… through sign-in to the console it pointed at', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const signInPage = await page.goto(`${stack.brokerUrl}/console/${ACCOUNT}/ReadOnly`);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(new URL(page.url()).searchParams.get('return_to')).toBe(`/console/${ACCOUNT}/ReadOnly`);
    await checkPage(page, signInPage);
    await expect(page.locator('#return-to').textContent()).resolves.toBe(`/console/${ACCOUNT}/ReadOnly`);
    await signIn(page, 'alice', 'fedgate-demo');
    // The link only asks (a GET issues nothing); its button posts with the CSRF token.
    await page.waitForURL(`${stack.brokerUrl}/console/${ACCOUNT}/ReadOnly`);
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${stack.stsUrl}/`));
    expect(await page.textContent('body')).toMatch(/Role\s*fedgate-ReadOnly/);
    await context.close();
  });

  it('can be used by keyboard alone, with a visible focus ring on each control', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const focused = (): Promise<string> =>
      page.evaluate(
        `(() => { const e = document.activeElement; return e.tagName + ' ' + (e.id || e.textContent.trim().slice(0, 20)) + ' ' + getComputedStyle(e).outlineStyle; })()`,
      );
    /** Presses Tab until the focused element's description starts with `wanted`. */
    const tabTo = async (wanted: string): Promise<string> => {
      for (let step = 0; step < 15; step += 1) {
        await page.keyboard.press('Tab');
        const now = await focused();
        if (now.startsWith(wanted)) {
          return now;
        }
      }
      throw new Error(`Tab never reached ${wanted}`);
    };
    await page.goto(`${stack.brokerUrl}/`);
    expect(await tabTo('A Skip to content')).toBe('A Skip to content solid');
    expect(await tabTo('INPUT username-demo')).toBe('INPUT username-demo solid');
    await page.keyboard.type('bob');
    await page.keyboard.press('Tab');
    await page.keyboard.type('fedgate-demo');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${stack.brokerUrl}/accounts`);
    expect(await tabTo('SUMMARY')).toMatch(/ solid$/);
    await page.keyboard.press('Enter');
    expect(await tabTo('BUTTON')).toMatch(/^BUTTON Console.* solid$/);
    expect(await tabTo('A Command line')).toMatch(/ solid$/);
    await page.keyboard.press('Enter');
    // bob's first set, by name, is Developer.
    await page.waitForURL(`${stack.brokerUrl}/accounts/${ACCOUNT}/Developer`);
    expect(await tabTo('BUTTON show-credentials')).toBe('BUTTON show-credentials solid');
    await context.close();
  });

  it('refuses a return path off fedgate, landing on the accounts instead', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${stack.brokerUrl}/?return_to=${encodeURIComponent('//evil.example/')}`);
    await signIn(page, 'alice', 'fedgate-demo');
    await page.waitForURL(`${stack.brokerUrl}/accounts`);
    await context.close();
  });

  it('works without JavaScript, but for the filter and the copy buttons', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${stack.brokerUrl}/`);
    await signIn(page, 'bob', 'fedgate-demo');
    await page.waitForURL(`${stack.brokerUrl}/accounts`);
    expect(await page.locator('#filter-box').isVisible()).toBe(false);
    await page.locator('.account summary').first().click();
    const readOnly = page.locator(`#set-${ACCOUNT}-ReadOnly`);
    await readOnly.getByRole('link', { name: /^Command line/ }).click();
    await page.getByRole('button', { name: 'Show credentials' }).click();
    await page.waitForSelector('#snippet-bash');
    shownSecrets.push(
      /AWS_SESSION_TOKEN='([^']+)'/.exec((await page.textContent('#snippet-bash')) ?? '')?.[1] ?? '',
    );
    expect(await page.locator('button.copy').first().isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${stack.brokerUrl}/?signed_out=1`);
    await context.close();
  });

  it('refuses a console or credentials post without the CSRF token, changing nothing', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${stack.brokerUrl}/`);
    await signIn(page, 'alice', 'fedgate-demo');
    await page.waitForURL(`${stack.brokerUrl}/accounts`);
    const calls = stack.broker.stsCalls();
    for (const path of [`/console/${ACCOUNT}/Developer`, `/accounts/${ACCOUNT}/Developer/credentials`]) {
      const answer = await page.request.post(`${stack.brokerUrl}${path}`, {
        form: { csrf_token: 'not-the-token' },
        maxRedirects: 0,
      });
      expect(answer.status()).toBe(403);
    }
    expect(stack.broker.stsCalls()).toBe(calls);
    await context.close();
  });

  it('sends the security headers, and no-store, with every page, and serves its own script and style', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${stack.brokerUrl}/`);
    await signIn(page, 'alice', 'fedgate-demo');
    await page.waitForURL(`${stack.brokerUrl}/accounts`);
    for (const [path, status] of [
      ['/', 303],
      ['/accounts', 200],
      [`/accounts/${ACCOUNT}/Developer`, 200],
      [`/accounts/${ACCOUNT}/NotMine`, 403],
    ] as const) {
      const answer = await page.request.get(`${stack.brokerUrl}${path}`, { maxRedirects: 0 });
      expect(answer.status()).toBe(status);
      if (status !== 303) {
        expectPortalHeaders(answer);
      }
      expect(answer.headers()['cache-control']).toBe('no-store');
    }
    const refused = await page.request.get(`${stack.brokerUrl}/accounts/${ACCOUNT}/NotMine`);
    expect(await refused.text()).toContain('You have no permission set');
    for (const [asset, type] of [
      ['portal.css', 'text/css; charset=utf-8'],
      ['portal.js', 'text/javascript; charset=utf-8'],
    ] as const) {
      const answer = await page.request.get(`${stack.brokerUrl}/portal/assets/${asset}`);
      expect(answer.status()).toBe(200);
      expect(answer.headers()['content-type']).toBe(type);
      expect(answer.headers()['x-content-type-options']).toBe('nosniff');
    }
    expect(
      (await page.request.get(`${stack.brokerUrl}/portal/assets/..%2Fportal.controller.ts`)).status(),
    ).toBe(404);
    // The JSON answers that carry the user's data or the CSRF token are not cached either.
    for (const path of ['/api/v1/me', '/api/v1/entitlements']) {
      const answer = await page.request.get(`${stack.brokerUrl}${path}`);
      expect(answer.status()).toBe(200);
      expect(answer.headers()['cache-control']).toBe('no-store');
    }
    const login = await fetch(`${stack.brokerUrl}/auth/demo/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bob', password: 'fedgate-demo' }),
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    await login.text();
    // The JSON API keeps JSON, 401, for clients that do not ask for a page.
    const api = await fetch(`${stack.brokerUrl}/console/${ACCOUNT}/Developer`, { redirect: 'manual' });
    expect(api.status).toBe(401);
    await context.close();
  });

  it('says what went wrong at sign-in in words: a wrong password, then the lockout and when to retry', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const wrong = await page.goto(`${stack.brokerUrl}/`);
    expectPortalHeaders(wrong);
    await signIn(page, 'carol', 'not-her-password');
    await page.waitForSelector('#error-demo');
    expect(await page.textContent('#error-demo')).toBe(
      'The username or password is not right. Check both and try again.',
    );
    await expect(page.getByLabel('Username').inputValue()).resolves.toBe('carol');
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    let message = '';
    for (let attempt = 0; attempt < 30 && !message.startsWith('Too many'); attempt += 1) {
      await page.getByLabel('Password').fill('still-wrong');
      await page.getByRole('button', { name: 'Sign in to Demo users' }).click();
      await page.waitForLoadState();
      message = (await page.textContent('#error-demo')) ?? '';
    }
    expect(message).toMatch(
      /^Too many failed sign-ins\. .* try again in \d+ minutes? \(at \d\d:\d\d UTC\)\.$/,
    );
    await context.close();
  });
});

describe('the portal with hostile names in its config', () => {
  let stack: PortalStack;
  let browser: Browser;
  let context: BrowserContext;
  const INJECTED = '<script>window.__injected = 1</script><img src=x onerror="window.__injected = 2">';

  beforeAll(async () => {
    stack = await startPortalStack((yaml) =>
      yaml
        .replace('name: Demo users', `name: '${INJECTED}'`)
        .replace('email: alice@example.com', `email: alice@example.com\n        displayName: '${INJECTED}'`)
        .replace('description: Everyday development access', `description: '${INJECTED}'`)
        // A redirect connector beside the password one: its button starts the redirect sign-in.
        .replace(
          'connectors:\n',
          'connectors:\n  - { id: gh, type: github, name: GitHub, logo: "https://logo.example/gh.svg", clientId: portal-test, clientSecret: portal-test-secret }\n',
        ),
    );
    browser = await launchChromium();
    context = await browser.newContext();
  });

  afterAll(async () => {
    await browser.close();
    await stack.stop();
  });

  it('renders a display name, description and tag value holding <script> as text', async () => {
    const page = await context.newPage();
    const refused = cspViolations(page);
    await page.goto(`${stack.brokerUrl}/`);
    expect(await page.textContent('h2')).toBe(INJECTED);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('fedgate-demo');
    await page.locator('form.password-form button').click();
    await page.waitForURL(`${stack.brokerUrl}/accounts`);
    expect(await page.textContent('#session-user')).toBe(`${INJECTED} (alice)`);
    expect(await page.textContent(`#set-${ACCOUNT}-Developer p`)).toBe(INJECTED);
    expect(await page.evaluate('window.__injected')).toBeUndefined();
    expect(refused).toEqual([]);
  });
  it('offers a button per redirect connector that starts its sign-in, keeping the return path', async () => {
    // Signed out: a browser of its own.
    const signedOut = await browser.newContext();
    const page = await signedOut.newPage();
    const signInPage = await page.goto(
      `${stack.brokerUrl}/?return_to=${encodeURIComponent(`/console/${ACCOUNT}/Developer`)}`,
    );
    expect(signInPage?.headers()['content-security-policy']).toContain(
      "img-src 'self' https://logo.example;",
    );
    const button = page.getByRole('link', { name: 'Sign in with GitHub' });
    // The logo beside the name, from an origin the page's CSP allows for images only.
    expect(await button.locator('img').getAttribute('src')).toBe('https://logo.example/gh.svg');
    expect(await button.locator('img').getAttribute('alt')).toBe('');
    const href = (await button.getAttribute('href')) ?? '';
    expect(href).toBe(`/auth/gh/login?return_to=${encodeURIComponent(`/console/${ACCOUNT}/Developer`)}`);
    const begun = await page.request.get(`${stack.brokerUrl}${href}`, { maxRedirects: 0 });
    expect(begun.status()).toBe(302);
    const location = new URL(begun.headers().location ?? '');
    expect(location.origin + location.pathname).toBe('https://github.com/login/oauth/authorize');
    expect(location.searchParams.get('client_id')).toBe('portal-test');
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await signedOut.close();
  });
});

describe('the portal over https', () => {
  let stack: PortalStack;

  beforeAll(async () => {
    stack = await startPortalStack((yaml) => yaml.replace('publicUrl: http://', 'publicUrl: https://'));
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('signs in with a __Host- session cookie: Secure, HttpOnly, SameSite=Lax, Path=/ and no Domain', async () => {
    const answer = await fetch(`${stack.brokerUrl}/sign-in/demo`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ username: 'alice', password: 'fedgate-demo' }).toString(),
    });
    expect([answer.status, answer.status === 303 ? '' : await answer.text()]).toEqual([303, '']);
    expect(answer.headers.get('location')).toBe('/accounts');
    const session = answer.headers.getSetCookie().find((line) => line.startsWith('__Host-fedgate_session='));
    expect(session).toBeDefined();
    const attributes = (session ?? '')
      .split(';')
      .slice(1)
      .map((part) => part.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=lax', 'path=/']));
    expect(attributes.some((part) => part.startsWith('domain='))).toBe(false);
  });
});
