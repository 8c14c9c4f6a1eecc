import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '@fedgate/broker-config';
import { ConfigError } from '@fedgate/config';
import { signingKeyIssues } from '@fedgate/issuance';
import type { CliIo, CommandContext } from '../cli-io';

/**
 * Validates one configuration file the way the broker would at start-up
 * (same loader, same environment for `${env:…}`), without starting
 * anything. Prints `valid` on stdout and returns 0, or prints
 * `FILE is invalid:` and one `  path: message` line per issue on stderr and
 * returns 1. An unreadable file is reported the same way, in one line.
 */
export function validateConfigFile(file: string, io: CliIo): number {
  try {
    const config = loadConfig(resolve(io.cwd ?? process.cwd(), file), { env: io.env, source: file });
    // Key material is checked by the library that uses it, as the broker does at start-up.
    const keyIssues = signingKeyIssues(config.issuance.webIdentity.signingKeys);
    if (keyIssues.length > 0) {
      throw ConfigError.invalid(file, keyIssues);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  io.stdout.write('valid\n');
  return 0;
}

/** `fedgate config validate FILE`. */
export function registerConfigCommands(program: Command, context: CommandContext): void {
  const config = program.command('config').description('work with fedgate configuration files');
  config
    .command('validate')
    .description('check a configuration file and list every problem in it, without starting anything')
    .argument('<file>', 'the YAML configuration file')
    .action((file: string) => {
      context.setExitCode(validateConfigFile(file, context.io));
    });
}
