import { join, resolve } from 'node:path';
import { packageRoot } from '@fedgate/core';
import { validateBrokerConfig, type FedgateConfig } from '@fedgate/broker-config';

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
 * the embedded demo (`config/demo.yaml`), with `PORT` overriding
 * `server.port`. Checked by validateBrokerConfig, the validation
 * `fedgate config validate` runs; throws its ConfigError, listing every
 * issue, when the broker must not start.
 */
export async function loadBrokerConfig(
  env: NodeJS.ProcessEnv,
  argv: readonly string[] = [],
): Promise<{ path: string; config: FedgateConfig }> {
  const chosen = configArgument(argv) ?? env.FEDGATE_CONFIG;
  const path = chosen ? resolve(chosen) : join(packageRoot(__dirname), 'config', 'demo.yaml');
  const validation = await validateBrokerConfig(path, { env });
  if (!validation.ok) {
    throw validation.error;
  }
  return { path, config: validation.config };
}
