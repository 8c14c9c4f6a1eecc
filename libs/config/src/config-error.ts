import { FedgateError, type FedgateErrorOptions } from '@fedgate/core';
import { formatIssues, ROOT_PATH, type ConfigIssue } from './issues';

/**
 * A configuration file that cannot be used, because it is invalid or
 * unreadable. `issues` lists every problem; `message` says which file and
 * lists them one per line, ready to print. Neither holds a secret value.
 */
export class ConfigError extends FedgateError {
  readonly issues: readonly ConfigIssue[];

  constructor(message: string, issues: readonly ConfigIssue[], options: FedgateErrorOptions = {}) {
    super('config_invalid', message, { ...options, detail: { ...options.detail, issues } });
    this.name = 'ConfigError';
    this.issues = issues;
  }

  /** `SOURCE is invalid:` followed by `  path: message` per issue. */
  static invalid(source: string, issues: readonly ConfigIssue[]): ConfigError {
    return new ConfigError(`${source} is invalid:\n${formatIssues(issues)}`, issues, { detail: { source } });
  }

  /** `cannot read SOURCE: REASON`, as one issue about the whole file. */
  static unreadable(source: string, reason: string, cause?: unknown): ConfigError {
    return new ConfigError(
      `cannot read ${source}: ${reason}`,
      [{ path: ROOT_PATH, message: `cannot read the file: ${reason}` }],
      { cause, detail: { source } },
    );
  }
}
