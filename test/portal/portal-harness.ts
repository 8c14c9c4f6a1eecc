/**
 * The portal's test stack: the `npm start` demo (config/demo.yaml with
 * config/sts-local.demo.yaml) on free loopback ports, with Chromium, and the
 * checks every portal page must pass: its security headers, no CSP
 * violation, and axe-core finding no serious or critical problem.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Response } from 'playwright-core';
import { createLogger } from '@fedgate/logging';
import { parseStsLocalConfig } from '../../apps/sts-local/src/config/load-sts-local-config';
import { startStsLocal } from '../../apps/sts-local/src/server/sts-local-server';
import { configFrom, LogCapture, startBroker, type RunningBroker } from '../broker/broker-harness';
import { freePort } from '../harness/processes';

const CONFIG_DIR = join(__dirname, '..', '..', 'config');

export interface PortalStack {
  brokerUrl: string;
  stsUrl: string;
  broker: RunningBroker;
  logs(): string;
  stop(): Promise<void>;
}

/** A demo file with its fixed loopback ports moved to the ones this run got. */
function demoFile(name: string, brokerPort: number, stsPort: number): string {
  return readFileSync(join(CONFIG_DIR, name), 'utf8')
    .replaceAll('127.0.0.1:8080', `127.0.0.1:${brokerPort}`)
    .replaceAll('127.0.0.1:8090', `127.0.0.1:${stsPort}`)
    .replace('port: 8080', `port: ${brokerPort}`)
    .replace('port: 8090', `port: ${stsPort}`);
}

/** The demo broker and sts-local; `edit` changes the broker's YAML (e.g. a hostile display name). */
export async function startPortalStack(
  edit: (yaml: string) => string = (yaml) => yaml,
): Promise<PortalStack> {
  const [brokerPort, stsPort] = [await freePort(), await freePort()];
  const stsLogs = new LogCapture();
  const sts = await startStsLocal(
    parseStsLocalConfig(demoFile('sts-local.demo.yaml', brokerPort, stsPort), {
      env: {},
      baseDir: CONFIG_DIR,
      source: 'config/sts-local.demo.yaml',
    }),
    { logger: createLogger({ level: 'info', destination: stsLogs }) },
  );
  const broker = await startBroker(configFrom(edit(demoFile('demo.yaml', brokerPort, stsPort))), {
    port: brokerPort,
  });
  return {
    brokerUrl: broker.url,
    stsUrl: sts.url,
    broker,
    logs: () => broker.logs.text() + stsLogs.text(),
    async stop() {
      await broker.stop();
      await sts.close();
    },
  };
}

/** The headers every portal page must carry (docs/portal.md#security). */
export function expectPortalHeaders(response: Pick<Response, 'headers'> | null): void {
  expect(response).not.toBeNull();
  const headers = response?.headers() ?? {};
  const csp = headers['content-security-policy'] ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('same-origin');
  expect(headers['cache-control']).toBe('no-store');
  expect(headers['content-type']).toBe('text/html; charset=utf-8');
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core in the page (evaluated through the DevTools protocol, which the
 * page's CSP does not govern): the serious and critical violations, as
 * readable lines, so a failure says what to fix.
 */
export async function seriousAccessibilityProblems(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations: AxeViolation[] = await page.evaluate(
    'axe.run(document).then((result) => result.violations)',
  );
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact ?? ''}): ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}

/** Collects what a page's CSP refused (Chromium reports each refusal on the console). */
export function cspViolations(page: Page): string[] {
  const refused: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) {
      refused.push(message.text());
    }
  });
  return refused;
}
