#!/usr/bin/env node
import { runCli } from './program';

// Setting exitCode (not calling process.exit) lets stdout drain when it is a pipe.
runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // runCli does not reject; this is the last line of defence.
    process.stderr.write(`fedgate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
