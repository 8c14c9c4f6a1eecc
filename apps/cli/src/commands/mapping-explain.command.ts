import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '@fedgate/broker-config';
import { ConfigError } from '@fedgate/config';
import { evaluate, formatExplanation, parseIdentity } from '@fedgate/mapping';
import type { CliIo, CommandContext } from '../cli-io';

/** Options of `fedgate mapping explain`. */
export interface ExplainOptions {
  config: string;
  identity: string;
  json?: boolean;
  /** ISO time to measure auth ages at (tests and "what if" questions); now when absent. */
  at?: string;
}

// An identity file is small; refuse anything that is clearly not one before parsing it.
const MAX_IDENTITY_BYTES = 1024 * 1024;

function readIdentity(
  path: string,
  label: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      message: `cannot read ${label}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}`,
    };
  }
  if (Buffer.byteLength(text) > MAX_IDENTITY_BYTES) {
    return { ok: false, message: `${label} is larger than 1 MiB` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return {
      ok: false,
      message: `${label} is not valid JSON (${error instanceof Error ? error.message : 'unreadable'})`,
    };
  }
}

/**
 * Evaluates the mapping of a config for one identity and prints the
 * explanation: readable text, or with `--json` the `{entitlements, trace,
 * decisions}` object. Returns the exit code: 0, or 1 with the problems on
 * stderr when the config or the identity is invalid.
 */
export function explainMapping(options: ExplainOptions, io: CliIo): number {
  const cwd = io.cwd ?? process.cwd();
  let config;
  try {
    config = loadConfig(resolve(cwd, options.config), { env: io.env, source: options.config });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const read = readIdentity(resolve(cwd, options.identity), options.identity);
  if (!read.ok) {
    io.stderr.write(`${read.message}\n`);
    return 1;
  }
  const parsed = parseIdentity(read.value);
  if (!parsed.ok) {
    io.stderr.write(
      `${options.identity} is not a valid identity:\n${parsed.problems.map((p) => `  ${p}`).join('\n')}\n`,
    );
    return 1;
  }
  let now: Date | undefined;
  if (options.at !== undefined) {
    now = new Date(options.at);
    if (Number.isNaN(now.getTime())) {
      io.stderr.write('--at must be an ISO 8601 time such as 2026-01-01T09:00:00Z\n');
      return 1;
    }
  }
  const evaluation = evaluate(parsed.identity, config, now === undefined ? {} : { now });
  io.stdout.write(
    options.json === true
      ? `${JSON.stringify(evaluation, null, 2)}\n`
      : formatExplanation(parsed.identity, evaluation),
  );
  return 0;
}

/** `fedgate mapping explain --config FILE --identity FILE.json [--json] [--at TIME]`. */
export function registerMappingCommands(program: Command, context: CommandContext): void {
  const mapping = program
    .command('mapping')
    .description('inspect how identities map to accounts and permission sets');
  mapping
    .command('explain')
    .description(
      'show what an identity gets from a configuration, rule by rule, and the STS request for each',
    )
    .requiredOption('--config <file>', 'the YAML configuration file')
    .requiredOption(
      '--identity <file>',
      'a JSON file with the identity (connectorId, subject, username, groups, …)',
    )
    .option('--json', 'print {entitlements, trace, decisions} as JSON')
    .option('--at <time>', 'measure auth ages at this ISO 8601 time instead of now')
    .action((options: ExplainOptions) => {
      context.setExitCode(explainMapping(options, context.io));
    });
}
