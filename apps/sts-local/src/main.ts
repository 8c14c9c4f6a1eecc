#!/usr/bin/env node
import { createLogger } from '@fedgate/logging';
import { loadStsLocalConfig } from './config/load-sts-local-config';
import { startStsLocal } from './server/sts-local-server';

const USAGE = 'usage: fedgate-sts-local --config FILE [--port N] [--host ADDRESS]';

/** `--name VALUE` or `--name=VALUE`. */
function option(argv: readonly string[], name: string): string | undefined {
  for (const [index, argument] of argv.entries()) {
    if (argument === `--${name}`) {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new Error(`--${name} needs a value\n${USAGE}`);
      }
      return value;
    }
    if (argument.startsWith(`--${name}=`)) {
      return argument.slice(name.length + 3);
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const path = option(argv, 'config');
  if (path === undefined) {
    throw new Error(`--config is required\n${USAGE}`);
  }
  const portText = option(argv, 'port');
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new Error(`--port must be a port number, not "${portText ?? ''}"`);
  }
  const host = option(argv, 'host');
  const config = loadStsLocalConfig(path);
  const logger = createLogger({ level: config.logging.level });
  const running = await startStsLocal(config, {
    logger,
    ...(port === undefined ? {} : { port }),
    ...(host === undefined ? {} : { host }),
  });
  logger.info({ config: path, url: running.url }, 'sts-local listening');
  const stop = (signal: string): void => {
    logger.info({ signal }, 'sts-local shutting down');
    void running.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fedgate-sts-local: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
