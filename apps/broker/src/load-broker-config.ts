import { join, resolve } from 'node:path';
import { packageRoot } from '@fedgate/core';
import { loadConfig, type FedgateConfig } from '@fedgate/broker-config';

/** The value of `--config FILE` or `--config=FILE` among the arguments, if given. */
function configArgument(argv: readonly string[]): string | undefined {
  for (const [index, argument] of argv.entries()) {
    if (argument === '--config') {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new Error('--config needs a file name');
      }
      return value;
    }
    if (argument.startsWith('--config=')) {
      return argument.slice('--config='.length);
    }
  }
  return undefined;
}

/**
 * The config the broker runs: `--config FILE`, else `FEDGATE_CONFIG`, else
 * the embedded demo (`config/demo.yaml`). `PORT` overrides `server.port`.
 */
export function loadBrokerConfig(
  env: NodeJS.ProcessEnv,
  argv: readonly string[] = [],
): { path: string; config: FedgateConfig } {
  const chosen = configArgument(argv) ?? env.FEDGATE_CONFIG;
  const path = chosen ? resolve(chosen) : join(packageRoot(__dirname), 'config', 'demo.yaml');
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
