/**
 * The broker alone in a process of its own, for measuring its memory: the
 * issuance bench forks this with a config (YAML in FEDGATE_BENCH_CONFIG,
 * secrets in the environment) and reads its resident set from /proc.
 * Reports its port over IPC once it listens; exits on disconnect.
 */
import type { AddressInfo } from 'node:net';
import { parseConfig } from '@fedgate/broker-config';
import { createLogger } from '@fedgate/logging';
import { createBrokerApp } from '../../apps/broker/src/broker-app';
import { createBrokerRuntime } from '../../apps/broker/src/broker-runtime';

async function main(): Promise<void> {
  const parsed = parseConfig(process.env.FEDGATE_BENCH_CONFIG ?? '', {
    env: { BROKER_SECRET: process.env.BROKER_SECRET ?? '' },
    baseDir: __dirname,
  });
  if (!parsed.ok) {
    throw new Error(parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  }
  const runtime = await createBrokerRuntime(parsed.config, {
    logger: createLogger({ level: 'warn', destination: process.stderr }),
  });
  const app = await createBrokerApp(runtime);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  process.send?.({ port });
  process.once('disconnect', () => {
    void app
      .close()
      .then(() => runtime.close())
      .finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
