import { resolve } from 'node:path';
import type { Command } from 'commander';
import { brokerConfigJsonSchema, validateBrokerConfig } from '@fedgate/broker-config';
import type { CliIo, CommandContext } from '../cli-io';

/**
 * Validates one configuration file exactly as the broker does at start-up
 * (validateBrokerConfig: the same loader, the same environment for
 * `${env:…}` and `PORT`, the same start-up checks), without starting
 * anything. Prints `valid` on stdout and returns 0, or prints
 * `FILE is invalid:` and one `  path: message` line per issue on stderr and
 * returns 1. An unreadable file is reported the same way, in one line.
 */
export async function validateConfigFile(file: string, io: CliIo): Promise<number> {
  const validation = await validateBrokerConfig(resolve(io.cwd ?? process.cwd(), file), {
    env: io.env,
    source: file,
  });
  if (!validation.ok) {
    io.stderr.write(`${validation.error.message}\n`);
    return 1;
  }
  io.stdout.write('valid\n');
  return 0;
}

/** `fedgate config validate FILE` and `fedgate config schema`. */
export function registerConfigCommands(program: Command, context: CommandContext): void {
  const config = program.command('config').description('work with fedgate configuration files');
  config
    .command('validate')
    .description(
      'check a configuration file as the broker does at start-up and list every problem in it, without starting anything',
    )
    .argument('<file>', 'the YAML configuration file')
    .action(async (file: string) => {
      context.setExitCode(await validateConfigFile(file, context.io));
    });
  config
    .command('schema')
    .description('print the configuration file as JSON Schema, for editors (docs/configuration.md)')
    .action(() => {
      context.io.stdout.write(`${JSON.stringify(brokerConfigJsonSchema(), null, 2)}\n`);
    });
}
