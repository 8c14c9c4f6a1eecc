import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readRedisAuditStream, verifyChain, verifyChainLines } from '@fedgate/audit';
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
export async function verifyAuditRedisStream(url: string, stream: string, io: CliIo): Promise<number> {
  let entries;
  try {
    entries = await readRedisAuditStream(url, stream);
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
  const trimmed = verdict.firstSeq > 1 ? `; the stream was trimmed, it starts at seq ${verdict.firstSeq}` : '';
  io.stdout.write(
    `${stream}: ${verdict.lines} entries, chain intact (last seq ${verdict.last.seq}${trimmed})\n`,
  );
  return 0;
}

/** `fedgate audit verify FILE` or `fedgate audit verify --redis URL [--stream NAME]`. */
export function registerAuditCommands(program: Command, context: CommandContext): void {
  const audit = program.command('audit').description('work with the audit stream');
  audit
    .command('verify')
    .description('check that an audit stream is whole: no line changed, removed, inserted or reordered')
    .argument('[file]', 'the audit file (audit.output: file)')
    .option('--redis <url>', 'read the stream from this Redis instead (audit.output: redis)')
    .option('--stream <name>', 'the Redis stream (audit.redis.stream)', 'fedgate:audit')
    .action(async (file: string | undefined, options: { redis?: string; stream: string }) => {
      if ((file === undefined) === (options.redis === undefined)) {
        context.io.stderr.write('fedgate: give either an audit FILE or --redis URL\n');
        context.setExitCode(2);
        return;
      }
      context.setExitCode(
        file === undefined
          ? await verifyAuditRedisStream(options.redis ?? '', options.stream, context.io)
          : await verifyAuditFile(file, context.io),
      );
    });
}
