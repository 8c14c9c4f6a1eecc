import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readRedisAuditStream, verifyChain, verifyChainLines } from '@fedgate/audit';
import { validateBrokerConfig } from '@fedgate/broker-config';
import type { RedisConnectionSection } from '@fedgate/store';
import type { CliIo, CommandContext } from '../cli-io';

/**
 * Checks an audit file's hash chain. Prints `FILE: N lines, chain intact
 * (last seq S)` and returns 0, or names the first line where the chain
 * breaks, and why, on stderr and returns 1.
 */
export async function verifyAuditFile(file: string, io: CliIo): Promise<number> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd ?? process.cwd(), file), 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    io.stderr.write(`fedgate: cannot read ${file}${typeof code === 'string' ? ` (${code})` : ''}\n`);
    return 1;
  }
  const verdict = verifyChain(text);
  if (!verdict.ok) {
    io.stderr.write(`${file}: the chain breaks at line ${verdict.lineNumber}: ${verdict.problem}\n`);
    return 1;
  }
  io.stdout.write(`${file}: ${verdict.lines} lines, chain intact (last seq ${verdict.last.seq})\n`);
  return 0;
}

/**
 * Checks the hash chain of an audit stream in Redis (audit.output: redis).
 * Prints `STREAM: N entries, chain intact (seq F to S)` and returns 0, or
 * names the first entry (its position and id) where the chain breaks. A
 * stream trimmed by maxLength starts at a seq above 1, which is said.
 */
export async function verifyAuditRedisStream(
  connection: RedisConnectionSection,
  stream: string,
  io: CliIo,
): Promise<number> {
  let entries;
  try {
    entries = await readRedisAuditStream(connection, stream);
  } catch {
    // The URL may hold a password: never echoed.
    io.stderr.write(`fedgate: cannot read the Redis stream ${stream}: Redis did not answer\n`);
    return 1;
  }
  const verdict = verifyChainLines(entries.map((entry) => entry.line));
  if (!verdict.ok) {
    const entry = entries[verdict.lineNumber - 1];
    io.stderr.write(
      `${stream}: the chain breaks at entry ${verdict.lineNumber} (id ${entry?.id ?? '?'}): ${verdict.problem}\n`,
    );
    return 1;
  }
  const trimmed =
    verdict.firstSeq > 1 ? `; the stream was trimmed, it starts at seq ${verdict.firstSeq}` : '';
  io.stdout.write(
    `${stream}: ${verdict.lines} entries, chain intact (last seq ${verdict.last.seq}${trimmed})\n`,
  );
  return 0;
}

/** The stream a broker config's `audit.redis` names, verified over its own connection (any topology). */
async function verifyConfiguredStream(file: string, io: CliIo): Promise<number> {
  const validation = await validateBrokerConfig(resolve(io.cwd ?? process.cwd(), file), {
    env: io.env,
    source: file,
  });
  if (!validation.ok) {
    io.stderr.write(`${validation.error.message}\n`);
    return 1;
  }
  const { audit } = validation.config;
  if (audit.output !== 'redis') {
    io.stderr.write(`fedgate: ${file} sends the audit stream to ${audit.output}, not to Redis\n`);
    return 1;
  }
  return verifyAuditRedisStream(audit.redis, audit.redis.stream, io);
}

/** `fedgate audit verify FILE`, `… --redis URL [--stream NAME]` or `… --config BROKER_CONFIG`. */
export function registerAuditCommands(program: Command, context: CommandContext): void {
  const audit = program.command('audit').description('work with the audit stream');
  audit
    .command('verify')
    .description('check that an audit stream is whole: no line changed, removed, inserted or reordered')
    .argument('[file]', 'the audit file (audit.output: file)')
    .option('--redis <url>', 'read the stream from this Redis instead (audit.output: redis)')
    .option('--stream <name>', 'the Redis stream (audit.redis.stream)', 'fedgate:audit')
    .option('--config <file>', "read the stream the broker's config names, over its audit.redis connection")
    .action(
      async (file: string | undefined, options: { redis?: string; stream: string; config?: string }) => {
        const sources = [file, options.redis, options.config].filter((source) => source !== undefined);
        if (sources.length !== 1) {
          context.io.stderr.write('fedgate: give one of an audit FILE, --redis URL or --config FILE\n');
          context.setExitCode(2);
          return;
        }
        if (options.config !== undefined) {
          context.setExitCode(await verifyConfiguredStream(options.config, context.io));
        } else if (options.redis !== undefined) {
          context.setExitCode(
            await verifyAuditRedisStream(
              { url: options.redis, connectTimeout: 5 },
              options.stream,
              context.io,
            ),
          );
        } else {
          context.setExitCode(await verifyAuditFile(file ?? '', context.io));
        }
      },
    );
}
