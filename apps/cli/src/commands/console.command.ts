import type { Command } from 'commander';
import type { CommandContext } from '../cli-io';
import { BrokerApi } from './broker-api';
import {
  brokerUrlOption,
  entitlementOptions,
  type EntitlementOptions,
  parseDurationOption,
  withVersion,
} from './command-options';
import { NoBrowserError, openInBrowser } from './open-in-browser';

interface ConsoleOptions extends EntitlementOptions {
  destination?: string;
  print?: boolean;
}

/**
 * `fedgate console --account ID --permission-set NAME [--destination URL] [--print]`.
 * The sign-in URL is as good as the credentials for 15 minutes: it goes to
 * the browser, or to stdout only when --print asks for it, never to stderr.
 */
export function registerConsoleCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('console')
    .description('open the AWS console in your browser as this account and permission set')
    .option('--destination <url>', 'the console page to land on (an https:// console URL)')
    .option('--duration <duration>', 'how long the console session lasts, e.g. 1h', parseDurationOption)
    .option('--print', 'print the sign-in URL on stdout instead of opening a browser (it is a secret)');
  entitlementOptions(command);
  brokerUrlOption(command);
  withVersion(command, program);
  command.action(async (options: ConsoleOptions) => {
    const { io } = context;
    const api = await BrokerApi.connect(options.url, io.env);
    const url = await api.consoleUrl({
      accountId: options.account,
      permissionSet: options.permissionSet,
      ...(options.duration === undefined ? {} : { durationSeconds: options.duration }),
      ...(options.destination === undefined ? {} : { destination: options.destination }),
    });
    if (options.print === true) {
      io.stdout.write(`${url}\n`);
      return;
    }
    try {
      await openInBrowser(url, io.env);
    } catch (error) {
      if (error instanceof NoBrowserError) {
        throw new Error(`${error.message}: run fedgate console again with --print and open the URL yourself`);
      }
      throw error;
    }
    io.stderr.write(`opened the console for ${options.account}/${options.permissionSet} in your browser\n`);
  });
}
