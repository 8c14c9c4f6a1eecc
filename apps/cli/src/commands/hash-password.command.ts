import { InvalidArgumentError, type Command } from 'commander';
import { hashPassword } from '@fedgate/connectors';
import type { CliIo, CommandContext } from '../cli-io';
import {
  InputTooLong,
  isRawModeTerminal,
  PromptCancelled,
  promptHidden,
  readFirstLine,
} from '../terminal/read-input';

/** scrypt's cost as log2(N): the static connector accepts 10–20. */
export const MIN_COST = 10;
export const MAX_COST = 20;
export const DEFAULT_COST = 15;

function parseCost(value: string): number {
  const cost = Number(value);
  if (!/^\d+$/.test(value) || cost < MIN_COST || cost > MAX_COST) {
    throw new InvalidArgumentError(`must be a whole number from ${MIN_COST} to ${MAX_COST}`);
  }
  return cost;
}

/**
 * The password to hash: typed twice without echo on a terminal, otherwise
 * the first line of standard input (so `printf %s "$PW" | fedgate
 * hash-password` works in scripts). Returns undefined, after saying why on
 * stderr, when there is no usable password.
 */
async function readPassword(io: CliIo): Promise<string | undefined> {
  const { stdin, stderr } = io;
  if (isRawModeTerminal(stdin)) {
    const [password, repeated] = await promptHidden(stdin, stderr, ['Password: ', 'Repeat password: ']);
    if (password !== repeated) {
      stderr.write('fedgate: the passwords do not match\n');
      return undefined;
    }
    return password;
  }
  return readFirstLine(stdin);
}

/**
 * Prints the scrypt PHC hash (`$scrypt$ln=…,r=8,p=1$salt$hash`) of a
 * password for a static connector user's `passwordHash`. Returns the exit
 * code: 1 for an empty or mistyped password, 130 when cancelled.
 */
export async function runHashPassword(io: CliIo, cost: number): Promise<number> {
  let password: string | undefined;
  try {
    password = await readPassword(io);
  } catch (error) {
    if (error instanceof PromptCancelled) {
      io.stderr.write('fedgate: cancelled\n');
      return 130;
    }
    if (error instanceof InputTooLong) {
      io.stderr.write(`fedgate: the password is longer than ${error.limit} characters\n`);
      return 1;
    }
    throw error;
  }
  if (password === undefined) {
    return 1;
  }
  // The static connector refuses blank passwords at login, so a hash of one is useless.
  if (password.trim() === '') {
    io.stderr.write('fedgate: the password is empty\n');
    return 1;
  }
  io.stdout.write(`${await hashPassword(password, cost)}\n`);
  return 0;
}

/** `fedgate hash-password [--cost N]`. */
export function registerHashPasswordCommand(program: Command, context: CommandContext): void {
  program
    .command('hash-password')
    .description('print the scrypt hash of a password for a static connector user (password from stdin)')
    .option('--cost <ln>', `scrypt cost as log2(N), ${MIN_COST}–${MAX_COST}`, parseCost, DEFAULT_COST)
    .action(async (options: { cost: number }) => {
      context.setExitCode(await runHashPassword(context.io, options.cost));
    });
}
