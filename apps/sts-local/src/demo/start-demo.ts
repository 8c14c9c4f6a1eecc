/**
 * `npm start` (docs/http-api.md): without FEDGATE_CONFIG, runs the demo — sts-local
 * from config/sts-local.demo.yaml on 127.0.0.1:8090 in this process, and
 * the broker with its embedded config/demo.yaml as a child — and stops both
 * on Ctrl-C or when either ends. With FEDGATE_CONFIG (or arguments) it runs
 * only the broker, exactly as `node dist/apps/broker/src/main.js` would.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { packageRoot } from '@fedgate/core';
import { createLogger } from '@fedgate/logging';
import { loadStsLocalConfig } from '../config/load-sts-local-config';
import { startStsLocal } from '../server/sts-local-server';
import { demoBanner } from './demo-banner';

const BROKER_MAIN = join(__dirname, '..', '..', '..', 'broker', 'src', 'main.js');

function runBroker(): Promise<number> {
  const child = spawn(process.execPath, [BROKER_MAIN, ...process.argv.slice(2)], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => () => {
    child.kill(signal);
  };
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? (signal === null ? 1 : 0));
    });
  });
}

/** Waits (up to a minute) until the broker answers /healthz, then says where to go and whom to sign in as. */
async function announceWhenReady(brokerYaml: string): Promise<void> {
  const configured = (parse(brokerYaml) as { server?: { publicUrl?: string } }).server?.publicUrl;
  // PORT moves the listener (docs/configuration.md); the demo listens on loopback.
  const portal =
    process.env.PORT === undefined
      ? (configured ?? 'http://127.0.0.1:8080')
      : `http://127.0.0.1:${process.env.PORT}`;
  const health = new URL('/healthz', portal);
  for (let attempt = 0; attempt < 300; attempt += 1) {
    try {
      if ((await fetch(health)).ok) {
        process.stdout.write(`${demoBanner(brokerYaml, portal)}\n`);
        return;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
}

async function main(): Promise<number> {
  if (process.env.FEDGATE_CONFIG !== undefined || process.argv.length > 2) {
    return runBroker();
  }
  const path = join(packageRoot(__dirname), 'config', 'sts-local.demo.yaml');
  const config = loadStsLocalConfig(path);
  const logger = createLogger({ level: config.logging.level });
  const sts = await startStsLocal(config, { logger });
  logger.info({ config: path, url: sts.url }, 'sts-local listening');
  try {
    const broker = runBroker();
    void announceWhenReady(readFileSync(join(packageRoot(__dirname), 'config', 'demo.yaml'), 'utf8'));
    return await broker;
  } finally {
    await sts.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fedgate demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
