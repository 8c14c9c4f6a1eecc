import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadConfig, type FedgateConfig } from '@fedgate/config';

/** Finds the checkout's root (where package.json is), so `config/demo.yaml` resolves from dist/ too. */
function packageRoot(start: string): string {
  let directory = start;
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) {
      return process.cwd();
    }
    directory = parent;
  }
  return directory;
}

/**
 * The config the broker runs: `FEDGATE_CONFIG`, else the embedded demo
 * (`config/demo.yaml`). `PORT` overrides `server.port`.
 */
export function loadBrokerConfig(env: NodeJS.ProcessEnv): { path: string; config: FedgateConfig } {
  const path = env.FEDGATE_CONFIG
    ? resolve(env.FEDGATE_CONFIG)
    : join(packageRoot(__dirname), 'config', 'demo.yaml');
  const config = loadConfig(path, { env });
  if (env.PORT !== undefined) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`PORT must be a port number, not "${env.PORT}"`);
    }
    config.server.port = port;
  }
  return { path, config };
}
