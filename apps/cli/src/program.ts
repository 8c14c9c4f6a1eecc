import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { CliIo, CommandContext } from './cli-io';
import { registerAccountsCommand } from './commands/accounts.command';
import { registerAdminCommands } from './commands/admin-revoke.command';
import { registerAuditCommands } from './commands/audit-verify.command';
import { registerConfigCommands } from './commands/config-validate.command';
import { registerConfigureCommand } from './commands/configure.command';
import { registerConsoleCommand } from './commands/console.command';
import { registerCredentialProcessCommand } from './commands/credential-process.command';
import { registerHashPasswordCommand } from './commands/hash-password.command';
import { registerLoginCommand } from './commands/login.command';
import { registerLogoutCommand } from './commands/logout.command';
import { registerMappingCommands } from './commands/mapping-explain.command';
import { registerServeCredentialsCommand } from './commands/serve-credentials.command';
import { registerWhoamiCommand } from './commands/whoami.command';

/** Adds one command (or group) to the program. One module per command keeps each small. */
export type CommandRegistrar = (program: Command, context: CommandContext) => void;

const COMMANDS: readonly CommandRegistrar[] = [
  registerConfigCommands,
  registerAuditCommands,
  registerHashPasswordCommand,
  registerMappingCommands,
  registerLoginCommand,
  registerLogoutCommand,
  registerWhoamiCommand,
  registerCredentialProcessCommand,
  registerConfigureCommand,
  registerConsoleCommand,
  registerAccountsCommand,
  registerServeCredentialsCommand,
  registerAdminCommands,
];

/** fedgate's version, from the package.json above this file (in the source tree and in dist/ alike). */
export function fedgateVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'fedgate' && typeof manifest.version === 'string') {
        return manifest.version;
      }
    }
    if (dirname(dir) === dir) {
      return 'unknown';
    }
  }
}

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
    .showHelpAfterError('(run fedgate --help for usage)')
    .version(fedgateVersion(), '-V, --version', "prints fedgate's version");
  for (const register of COMMANDS) {
    register(program, context);
  }
  return program;
}

/**
 * The first word of `argv` that names no subcommand where one is expected.
 * Commander would answer `fedgate nosuch --help` with the top-level help and
 * exit code 0, hiding the typo; this is checked before it parses.
 */
function unknownCommand(program: Command, argv: readonly string[]): string | undefined {
  let current = program;
  for (const word of argv) {
    if (word.startsWith('-') || current.commands.length === 0) {
      return undefined;
    }
    const next = current.commands.find(
      (command) => command.name() === word || command.aliases().includes(word),
    );
    if (next === undefined) {
      return word === 'help' ? undefined : word;
    }
    current = next;
  }
  return undefined;
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
  const unknown = unknownCommand(program, argv);
  if (unknown !== undefined) {
    io.stderr.write(`error: unknown command '${unknown}'\n(run fedgate --help for usage)\n`);
    return 1;
  }
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
