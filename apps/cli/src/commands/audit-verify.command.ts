import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { verifyChain } from '@fedgate/audit';
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

/** `fedgate audit verify FILE`. */
export function registerAuditCommands(program: Command, context: CommandContext): void {
  const audit = program.command('audit').description('work with the audit stream');
  audit
    .command('verify')
    .description('check that an audit file is whole: no line changed, removed, inserted or reordered')
    .argument('<file>', 'the audit file (audit.output: file)')
    .action(async (file: string) => {
      context.setExitCode(await verifyAuditFile(file, context.io));
    });
}
