import { type Command, InvalidArgumentError } from 'commander';
import { parseDurationSeconds } from '@fedgate/core';

/**
 * Gives a subcommand the program's `--version` (Commander keeps the version
 * on the program only), so `fedgate <command> --version` answers too.
 */
export function withVersion(command: Command, program: Command): Command {
  return command.version(program.version() ?? 'unknown', '-V, --version', "prints fedgate's version");
}

/** `--duration`: `900`, `15m`, `1h30m`, `12h`; the broker lowers it to what the entitlement allows. */
export function parseDurationOption(value: string): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined || seconds === 0) {
    throw new InvalidArgumentError('expected a duration such as 900, 15m, 1h or 1h30m');
  }
  return seconds;
}

/** The options every command that talks to the broker takes. */
export function brokerUrlOption(command: Command): Command {
  return command.option(
    '--url <url>',
    'the broker (default: FEDGATE_URL, else the broker of your last fedgate login)',
  );
}

/** `--account` and `--permission-set`, both required. */
export function entitlementOptions(command: Command): Command {
  return command
    .requiredOption('--account <id>', 'the account id or name')
    .requiredOption('--permission-set <name>', 'the permission set');
}

export interface EntitlementOptions {
  account: string;
  permissionSet: string;
  url?: string;
  duration?: number;
}
