#!/usr/bin/env node
import pino from 'pino';
import { createLogger } from '@fedgate/logging';
import { createBrokerApp } from './broker-app';
import { createBrokerRuntime } from './broker-runtime';
import { loadBrokerConfig } from './load-broker-config';

/** A request still running this long after SIGTERM does not hold the process (Kubernetes waits 30 s). */
const SHUTDOWN_GRACE_MS = 25_000;

async function main(): Promise<void> {
  // SIGHUP re-reads the config file (docs/operations/config-reload.md). One that comes while the
  // broker starts must not end it (Node's default): it is remembered, and done once it serves.
  const sighup: { asked: boolean; reload?: () => void } = { asked: false };
  process.on('SIGHUP', () => {
    if (sighup.reload === undefined) {
      sighup.asked = true;
    } else {
      sighup.reload();
    }
  });
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
  // SIGTERM: the listener closes at once (new connections are refused, a request on a kept-alive
  // one is answered 503), requests in flight finish and get their answers, then the process exits.
  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down: taking no new requests, finishing those in flight');
    setTimeout(() => {
      logger.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'requests still running at the shutdown deadline; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    void app
      .close()
      .then(() => runtime.close())
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  // The reloader logs and audits the outcome.
  sighup.reload = () => {
    void runtime.configReloader.reload({ trigger: 'signal' }).catch((error: unknown) => {
      logger.error({ err: error }, 'configuration reload failed');
    });
  };
  if (sighup.asked) {
    sighup.reload();
  }
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  // The config loader's message lists every problem with its path.
  process.stderr.write(`fedgate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
