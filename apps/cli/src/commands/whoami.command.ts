import type { Command } from 'commander';
import type { CommandContext } from '../cli-io';
import { BrokerApi } from './broker-api';
import { withVersion } from './command-options';

interface Me {
  username?: unknown;
  connectorId?: unknown;
  subject?: unknown;
  email?: unknown;
  groups?: unknown;
  sessionExpiresAt?: unknown;
}

function line(label: string, value: unknown): string {
  return typeof value === 'string' && value !== '' ? `${label.padEnd(10)}${value}\n` : '';
}

/** Who the broker knows the CLI's login as, asked with the access token (so it proves the login works). */
export async function runWhoami(
  context: CommandContext,
  options: { url?: string; json?: boolean },
): Promise<number> {
  const { io } = context;
  const api = await BrokerApi.connect(options.url, io.env);
  const brokerUrl = api.brokerUrl;
  const me = (await api.me()) as Me;
  // The session's CSRF token means nothing to a bearer client; it is not shown.
  const { csrfToken: _csrf, ...shown } = me as Me & { csrfToken?: unknown };
  if (options.json === true) {
    io.stdout.write(`${JSON.stringify({ broker: brokerUrl, ...shown }, null, 2)}\n`);
    return 0;
  }
  const groups = Array.isArray(me.groups)
    ? me.groups.filter((group) => typeof group === 'string').join(', ')
    : '';
  io.stdout.write(
    line('user', me.username) +
      line('connector', me.connectorId) +
      line('subject', me.subject) +
      line('email', me.email) +
      line('groups', groups) +
      line('broker', brokerUrl) +
      line('until', me.sessionExpiresAt),
  );
  return 0;
}

/** `fedgate whoami [--url URL] [--json]`. */
export function registerWhoamiCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('whoami')
    .description('show who you are logged in to the broker as')
    .option('--url <url>', 'the broker (default: FEDGATE_URL, else the broker of your last login)')
    .option('--json', 'print the broker’s answer as JSON')
    .action(async (options: { url?: string; json?: boolean }) => {
      context.setExitCode(await runWhoami(context, options));
    });
  withVersion(command, program);
}
