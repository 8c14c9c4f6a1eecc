/**
 * The browser harness itself: Debian's Chromium starts headless through
 * playwright-core, renders a page served on loopback, runs its script and
 * submits a form, as the end-to-end sign-in tests need.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../harness/browser';

describe('Chromium through playwright-core', () => {
  let browser: Browser;
  let server: Server;
  let url: string;
  const posted: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.method === 'POST') {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          posted.push(body);
          response.setHeader('content-type', 'text/html').end('<p id="done">posted</p>');
        });
        return;
      }
      response
        .setHeader('content-type', 'text/html')
        .end(
          '<form method="post" action="/submit"><input name="who" value="fedgate"></form>' +
            '<script>document.title = "ready"; document.forms[0].submit()</script>',
        );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('loads a loopback page, runs its script and follows its form post', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector('#done');
    expect(await page.textContent('#done')).toBe('posted');
    expect(posted).toEqual(['who=fedgate']);
    await page.close();
  });
});
