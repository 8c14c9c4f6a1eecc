import { spawn } from 'node:child_process';
import { HttpClient } from '../broker/broker-harness';
import type { CliDemo } from './cli-fixture';

/** The code `fedgate login --device` shows, e.g. BCDF-GHJK. */
const USER_CODE = /^\s{4}([A-Z0-9]{4}-[A-Z0-9]{4})\s*$/m;

/**
 * Logs the demo's CLI in as a real user would on a machine without a
 * browser: `fedgate login --device` runs, and a browser-like client signs
 * in to the broker with the password and approves the code it printed.
 * Resolves when the command has stored its tokens.
 */
export async function loginAs(
  demo: CliDemo,
  username: string,
  password: string,
  env = demo.env,
): Promise<void> {
  const child = spawn(process.execPath, [demo.main, 'login', '--device', '--url', demo.broker.url], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const code = await new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      const match = USER_CODE.exec(stderr);
      if (match?.[1] !== undefined) {
        resolve(match[1]);
      }
    });
    void exited.then((status) => {
      reject(
        new Error(`fedgate login --device exited with ${String(status)} before showing a code: ${stderr}`),
      );
    });
  });
  const browser = new HttpClient(demo.broker.url);
  const signedIn = await browser.login('demo', username, password);
  if (signedIn.status !== 200) {
    throw new Error(`${username} could not sign in to the broker: ${signedIn.text}`);
  }
  const approved = await browser.request('POST', '/oauth/device', {
    body: new URLSearchParams({
      csrf: browser.csrfToken ?? '',
      user_code: code,
      action: 'approve',
    }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (approved.status !== 200) {
    throw new Error(`approving the device code failed with ${approved.status}: ${approved.text}`);
  }
  const status = await exited;
  if (status !== 0) {
    throw new Error(`fedgate login --device exited with ${String(status)}: ${stderr}`);
  }
}
