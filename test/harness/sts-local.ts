import { LogCapture } from './log-capture';
import { createLogger } from '@fedgate/logging';
import { parseStsLocalConfig } from '../../apps/sts-local/src/config/load-sts-local-config';
import type { StsLocalConfig } from '../../apps/sts-local/src/config/sts-local-config';
import { startStsLocal, type StsLocalOptions } from '../../apps/sts-local/src/server/sts-local-server';

/** An sts-local on a free loopback port, with its logs captured. */
export interface TestStsLocal {
  url: string;
  config: StsLocalConfig;
  logs: LogCapture;
  stop(): Promise<void>;
}

/** Parses an sts-local YAML config for a test, failing with every issue when it is invalid. */
export function stsLocalConfigFrom(yaml: string, env: Record<string, string> = {}): StsLocalConfig {
  return parseStsLocalConfig(yaml, { env, baseDir: __dirname, source: 'test sts-local config' });
}

/** Starts sts-local in this process on 127.0.0.1 and a free port (the real HTTP server, nothing faked). */
export async function startTestStsLocal(
  config: StsLocalConfig,
  options: Omit<StsLocalOptions, 'port' | 'host' | 'logger'> = {},
): Promise<TestStsLocal> {
  const logs = new LogCapture();
  const running = await startStsLocal(config, {
    ...options,
    port: 0,
    host: '127.0.0.1',
    logger: createLogger({ level: 'debug', destination: logs }),
  });
  return { url: running.url, config, logs, stop: () => running.close() };
}

/** Temporary credentials in either casing the tests hold them (SDK `Credentials` or IssuedCredentials). */
export interface SessionKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/**
 * Signs in to sts-local's demo console with temporary credentials, the way
 * the federation endpoint is used (getSigninToken, then login), and returns
 * the page: what the console shows about the session.
 */
export async function demoConsolePage(
  stsUrl: string,
  keys: SessionKeys,
  issuer = 'https://fedgate.example.com/',
): Promise<{ status: number; html: string }> {
  const session = JSON.stringify({
    sessionId: keys.accessKeyId,
    sessionKey: keys.secretAccessKey,
    sessionToken: keys.sessionToken,
  });
  const tokenResponse = await fetch(
    `${stsUrl}/federation?${new URLSearchParams({ Action: 'getSigninToken', Session: session }).toString()}`,
  );
  const { SigninToken } = (await tokenResponse.json()) as { SigninToken: string };
  const page = await fetch(
    `${stsUrl}/federation?${new URLSearchParams({
      Action: 'login',
      Issuer: issuer,
      Destination: 'https://console.aws.amazon.com/',
      SigninToken,
    }).toString()}`,
  );
  return { status: page.status, html: await page.text() };
}

/** Text as the demo console page writes it (HTML-escaped). */
export function htmlEscaped(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
