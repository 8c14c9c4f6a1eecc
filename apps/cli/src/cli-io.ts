/** Somewhere text can be written: process.stdout, or a buffer in tests. */
export interface TextOutput {
  write(text: string): unknown;
}

/** Standard input: a readable stream that may be a terminal (then raw mode turns echo off). */
export interface TextInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}

/**
 * Everything the CLI touches in its environment, passed in so that commands
 * run the same under tests as in a terminal.
 */
export interface CliIo {
  stdin: TextInput;
  stdout: TextOutput;
  stderr: TextOutput;
  env: Readonly<Record<string, string | undefined>>;
  /** Directory that relative file arguments start from; process.cwd() when absent. */
  cwd?: string;
}

/**
 * What a command module gets: the environment, and how to report its exit
 * code. Commands never call process.exit: output must be flushed and tests
 * must survive.
 */
export interface CommandContext {
  io: CliIo;
  setExitCode(code: number): void;
}
