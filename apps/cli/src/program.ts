import { Command, CommanderError } from 'commander';
import type { CliIo, CommandContext } from './cli-io';
import { registerConfigCommands } from './commands/config-validate.command';
import { registerHashPasswordCommand } from './commands/hash-password.command';
import { registerMappingCommands } from './commands/mapping-explain.command';

/** Adds one command (or group) to the program. One module per command keeps each small. */
export type CommandRegistrar = (program: Command, context: CommandContext) => void;

const COMMANDS: readonly CommandRegistrar[] = [
  registerConfigCommands,
  registerHashPasswordCommand,
  registerMappingCommands,
];

/**
 * The `fedgate` program, writing to the given streams and throwing
 * CommanderError instead of exiting (for usage errors, --help and the like).
 */
export function buildProgram(context: CommandContext): Command {
  const { io } = context;
  const program = new Command('fedgate')
    .description('fedgate: company sign-in to short-lived AWS credentials')
    // Settings made before .command() are inherited by every subcommand.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run fedgate --help for usage)');
  for (const register of COMMANDS) {
    register(program, context);
  }
  return program;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs the CLI on `argv` (the arguments after the program name) and resolves
 * to the exit code; never rejects and never exits the process, so tests can
 * call it directly and main.ts can let output drain before Node exits.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram({
    io,
    setExitCode: (code) => {
      exitCode = code;
    },
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the usage error or the help text.
      return error.exitCode;
    }
    io.stderr.write(`fedgate: ${describe(error)}\n`);
    return 1;
  }
}
