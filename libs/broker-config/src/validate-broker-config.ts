import { dirname, resolve } from 'node:path';
import { ConfigError, readTextFileSync } from '@fedgate/config';
import type { FedgateConfig } from './broker-config.schema';
import { parseConfig } from './broker-config-file';
import { applyBrokerEnvironment } from './environment';
import { brokerStartupIssues } from './startup-checks';

/** Options of validateBrokerConfig. */
export interface ValidateBrokerConfigOptions {
  /** The environment for `${env:…}` references and `PORT`; process.env when absent. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The file's name in messages; the path when absent. */
  source?: string;
}

/** A configuration the broker would start with, or the error it would refuse to start with. */
export type BrokerConfigValidation =
  | { ok: true; config: FedgateConfig }
  | {
      ok: false;
      /** Every issue, with its path; `error.message` lists them ready to print. */
      error: ConfigError;
    };

/**
 * Everything the broker checks about its configuration before it starts,
 * without starting anything: the file is readable, valid YAML, its
 * references resolve, the schema and every cross-check pass, the
 * environment's `PORT` is a port, and each stage's start-up checks pass
 * (brokerStartupIssues). The broker's start-up and `fedgate config
 * validate` both run exactly this, so a file one accepts the other does.
 */
export async function validateBrokerConfig(
  path: string,
  options: ValidateBrokerConfigOptions = {},
): Promise<BrokerConfigValidation> {
  const source = options.source ?? path;
  const env = options.env ?? process.env;
  const read = readTextFileSync(path);
  if (!read.ok) {
    return { ok: false, error: ConfigError.unreadable(source, read.reason) };
  }
  const parsed = parseConfig(read.text, { env, source, baseDir: dirname(resolve(path)) });
  if (!parsed.ok) {
    return { ok: false, error: ConfigError.invalid(source, parsed.issues) };
  }
  const running = applyBrokerEnvironment(parsed.config, env);
  const config = running.ok ? running.config : parsed.config;
  const issues = [...(running.ok ? [] : running.issues), ...(await brokerStartupIssues(config))];
  if (issues.length > 0) {
    return { ok: false, error: ConfigError.invalid(source, issues) };
  }
  return { ok: true, config };
}
