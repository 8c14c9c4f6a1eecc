import type { Command } from 'commander';
import { formatDuration } from '@fedgate/core';
import type { CommandContext } from '../cli-io';
import { BrokerApi, type Entitlement } from './broker-api';
import { brokerUrlOption, withVersion } from './command-options';

/** Entitlements as an aligned text table, one line each. */
export function entitlementsTable(entitlements: readonly Entitlement[]): string {
  const rows: string[][] & { 0: string[] } = [
    ['ACCOUNT', 'ACCOUNT ID', 'PERMISSION SET', 'MODE', 'DURATION', 'ISSUABLE'],
    ...entitlements.map((entitlement) => [
      entitlement.accountName,
      entitlement.accountId,
      entitlement.permissionSet,
      entitlement.mode,
      formatDuration(entitlement.sessionDurationSeconds),
      entitlement.issuable ? 'yes' : `no: ${(entitlement.problems ?? []).join('; ')}`,
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  '),
    )
    .join('\n');
}

/** `fedgate accounts [--json] [--url URL]`. */
export function registerAccountsCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('accounts')
    .description('list the accounts and permission sets you may use')
    .option('--json', 'print the entitlements as JSON, as the broker answers them');
  brokerUrlOption(command);
  withVersion(command, program);
  command.action(async (options: { json?: boolean; url?: string }) => {
    const { io } = context;
    const entitlements = await (await BrokerApi.connect(options.url, io.env)).entitlements();
    if (options.json === true) {
      io.stdout.write(`${JSON.stringify({ entitlements }, null, 2)}\n`);
    } else if (entitlements.length === 0) {
      io.stderr.write('you have no entitlements on this broker\n');
    } else {
      io.stdout.write(`${entitlementsTable(entitlements)}\n`);
    }
  });
}
