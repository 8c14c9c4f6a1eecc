import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { parseConfig } from '@fedgate/broker-config';
import type { ParseConfigOptions } from '@fedgate/config';
import { createLogger } from '@fedgate/logging';
import { createBrokerApp } from '../../apps/broker/src/broker-app';
import { createBrokerRuntime } from '../../apps/broker/src/broker-runtime';

/** A broker a bench drives, listening on 127.0.0.1; close() stops the app, then the runtime. */
export interface BenchBroker {
  port: number;
  close(): Promise<void>;
}

/**
 * Starts a broker from a YAML config for a bench (an invalid config throws, naming every issue),
 * its application log discarded: the benches measure the broker's work, not a terminal.
 */
export async function startSilentBroker(
  yaml: string,
  options: ParseConfigOptions,
  port = 0,
): Promise<BenchBroker> {
  const parsed = parseConfig(yaml, options);
  if (!parsed.ok) {
    throw new Error(parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  }
  const silent = new Writable({
    write: (_chunk, _encoding, callback) => {
      callback();
    },
  });
  const runtime = await createBrokerRuntime(parsed.config, {
    logger: createLogger({ level: 'silent', destination: silent }),
  });
  const app = await createBrokerApp(runtime);
  await app.listen(port, '127.0.0.1');
  return {
    port: (app.getHttpServer().address() as AddressInfo).port,
    async close() {
      await app.close();
      await runtime.close();
    },
  };
}
