/**
 * Screenshots of each portal page, light and dark, on a desktop and at
 * 360 px, saved to $FEDGATE_PORTAL_SCREENSHOTS (else a temporary
 * directory). The ones in docs/images/portal/ come from this test:
 * FEDGATE_PORTAL_SCREENSHOTS=docs/images/portal npx jest test/portal/portal-screenshots.
 * At 360 px no page may scroll sideways; axe-core checks each page in both
 * schemes (contrast differs).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../harness/browser';
import { seriousAccessibilityProblems, startPortalStack, type PortalStack } from './portal-harness';

const OUTPUT = resolve(
  process.env.FEDGATE_PORTAL_SCREENSHOTS ?? join(tmpdir(), 'fedgate-portal-screenshots'),
);
const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'mobile', width: 360, height: 740 },
] as const;
const SCHEMES = ['light', 'dark'] as const;

/** Replaces each long key or token on the page with a row of blocks. */
const HIDE_KEYS = `for (const code of document.querySelectorAll('section[aria-labelledby="credentials-heading"] code')) {
  code.textContent = code.textContent.replace(/[A-Za-z0-9/+=]{16,}/g, '████████████');
}`;

/** A PNG's width, from its IHDR chunk. */
function pngWidth(path: string): number {
  return readFileSync(path).readUInt32BE(16);
}

describe('portal screenshots', () => {
  let stack: PortalStack;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    stack = await startPortalStack();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser.close();
    await stack.stop();
  });

  it.each(SIZES)(
    'shows every page light and dark at $name size, without sideways scrolling',
    async (size) => {
      for (const colorScheme of SCHEMES) {
        const context = await browser.newContext({
          viewport: { width: size.width, height: size.height },
          colorScheme,
        });
        const page = await context.newPage();
        const shoot = async (name: string): Promise<void> => {
          expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(size.width);
          // Contrast differs by scheme: axe checks each page in both.
          expect(await seriousAccessibilityProblems(page)).toEqual([]);
          const path = join(OUTPUT, `${name}-${size.name}-${colorScheme}.png`);
          await page.screenshot({ path, fullPage: true });
          expect(pngWidth(path)).toBe(size.width);
        };
        await page.goto(`${stack.brokerUrl}/`);
        await shoot('sign-in');
        await signIn(page);
        await page.locator('.account summary').first().click();
        await page.getByLabel('Search accounts and permission sets').fill('demo');
        await shoot('accounts');
        await page.goto(`${stack.brokerUrl}/accounts/123456789012/Developer`);
        await shoot('command-line');
        await page.getByRole('button', { name: 'Show credentials' }).click();
        await page.waitForSelector('#snippet-bash');
        // The keys are sts-local's, good for nothing elsewhere; blotted out all the same.
        await page.evaluate(HIDE_KEYS);
        await shoot('credentials');
        await context.close();
      }
    },
  );
});

async function signIn(page: Page): Promise<void> {
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('fedgate-demo');
  await page.getByRole('button', { name: 'Sign in to Demo users' }).click();
  await page.waitForURL(/\/accounts$/);
}
