import { chromium, type Browser } from 'playwright-core';
import { requireBinary } from './processes';

const INSTALL_HINT = 'apt-get install -y chromium';

/**
 * Debian's Chromium, headless, driven by playwright-core: never a browser
 * downloaded by a test tool. The flags keep it from reaching for Google's
 * services (this machine has no network beyond loopback) and let it run as
 * root. Throws, naming the install command, when Chromium is missing.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = requireBinary('chromium', INSTALL_HINT);
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
