/**
 * `npm start` (docs/http-api.md): without FEDGATE_CONFIG, runs the demo — sts-local
 * from config/sts-local.demo.yaml on 127.0.0.1:8090 in this process, and
 * the broker with its embedded config/demo.yaml as a child — and stops both
 * on Ctrl-C or when either ends. With FEDGATE_CONFIG (or arguments) it runs
 * only the broker, exactly as `node dist/apps/broker/src/main.js` would.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '@fedgate/core';
import { createLogger } from '@fedgate/logging';
import { loadStsLocalConfig } from '../config/load-sts-local-config';
import { startStsLocal } from '../server/sts-local-server';

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
    return await runBroker();
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
