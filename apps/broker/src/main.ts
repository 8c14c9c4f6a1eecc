#!/usr/bin/env node
import pino from 'pino';
import { createLogger } from '@fedgate/logging';
import { createBrokerApp } from './broker-app';
import { createBrokerRuntime } from './broker-runtime';
import { loadBrokerConfig } from './load-broker-config';

async function main(): Promise<void> {
  const { path, config } = await loadBrokerConfig(process.env, process.argv.slice(2));
  // The audit stream owns stdout when it goes there; the application log then goes to stderr.
  const logger = createLogger({
    level: config.logging.level,
    ...(config.audit.output === 'stdout' ? { destination: pino.destination(2) } : {}),
  });
  const runtime = await createBrokerRuntime(config, { logger, configSource: { path, env: process.env } });
  const app = await createBrokerApp(runtime);
  await app.listen(config.server.port, config.server.host);
  logger.info(
    {
      config: path,
      address: `http://${config.server.host}:${config.server.port}`,
      publicUrl: config.server.publicUrl,
    },
    'fedgate broker listening',
  );
  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    void app
      .close()
      .then(() => runtime.close())
      .finally(() => process.exit(0));
  };
  // SIGHUP re-reads the config file (docs/operations/config-reload.md); the reloader logs and audits the outcome.
  process.on('SIGHUP', () => {
    void runtime.configReloader.reload({ trigger: 'signal' }).catch((error: unknown) => {
      logger.error({ err: error }, 'configuration reload failed');
    });
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  // The config loader's message lists every problem with its path.
  process.stderr.write(`fedgate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
