import { StringDecoder } from 'node:string_decoder';
import type { TextInput, TextOutput } from '../cli-io';

/** The person pressed Ctrl-C or Ctrl-D at a prompt. */
export class PromptCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'PromptCancelled';
  }
}

/** Input longer than the limit; nobody types a 1024-character password. */
export class InputTooLong extends Error {
  constructor(readonly limit: number) {
    super(`the input is longer than ${limit} characters`);
    this.name = 'InputTooLong';
  }
}

/** Longest line read from standard input. */
export const MAX_LINE_LENGTH = 1024;

function decodeChunk(decoder: StringDecoder, chunk: Buffer | string): string {
  return typeof chunk === 'string' ? chunk : decoder.write(chunk);
}

/**
 * Reads the first line of a stream, without its line ending (`\n` or
 * `\r\n`); the whole input when it has no newline. Stops listening once the
 * line is complete, so the rest of the stream is left alone.
 */
export function readFirstLine(input: TextInput, maxLength = MAX_LINE_LENGTH): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let text = '';
    const finish = (error: Error | undefined, line?: string) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.pause();
      if (error) {
        reject(error);
      } else {
        resolve((line ?? '').replace(/\r$/, ''));
      }
    };
    const check = (final: boolean) => {
      const newline = text.indexOf('\n');
      const line = newline < 0 ? text : text.slice(0, newline);
      if (line.replace(/\r$/, '').length > maxLength) {
        finish(new InputTooLong(maxLength));
      } else if (newline >= 0 || final) {
        finish(undefined, line);
      }
    };
    const onData = (chunk: Buffer | string) => {
      text += decodeChunk(decoder, chunk);
      check(false);
    };
    const onEnd = () => {
      text += decoder.end();
      check(true);
    };
    const onError = (error: Error) => {
      finish(error);
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

/** A terminal whose echo can be switched off. */
export type RawModeInput = TextInput & { setRawMode: (mode: boolean) => unknown };

/** Whether the input is a terminal a prompt can hide typing on. */
export function isRawModeTerminal(input: TextInput): input is RawModeInput {
  return input.isTTY === true && typeof input.setRawMode === 'function';
}

const ENTER = new Set(['\r', '\n']);
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const BACKSPACE = new Set(['\u007f', '\b']);
const ESCAPE = '\u001b';

/**
 * Asks each prompt in turn on a terminal with echo off (raw mode) and
 * returns the answers. Handles backspace, Ctrl-U (clear), Ctrl-C and Ctrl-D
 * on an empty answer (both reject with PromptCancelled), and ignores other
 * control keys and escape sequences (arrow keys). Raw mode is always
 * switched off again.
 */
export function promptHidden(
  input: RawModeInput,
  output: TextOutput,
  prompts: readonly string[],
  maxLength = MAX_LINE_LENGTH,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    const answers: string[] = [];
    let current = '';
    let inEscape = false;
    let afterCarriageReturn = false;
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) {
        reject(error);
      } else {
        resolve(answers);
      }
    };
    // Returns true when reading is over.
    const key = (char: string): boolean => {
      const skipLineFeed = afterCarriageReturn && char === '\n';
      afterCarriageReturn = char === '\r';
      if (skipLineFeed) {
        return false;
      }
      if (inEscape) {
        // An escape sequence ends with a letter or `~` (ESC [ A, ESC [ 3 ~).
        inEscape = !/[A-Za-z~]/.test(char);
        return false;
      }
      if (ENTER.has(char)) {
        answers.push(current);
        current = '';
        const next = prompts[answers.length];
        if (next === undefined) {
          finish();
          return true;
        }
        output.write(`\n${next}`);
      } else if (char === CTRL_C || (char === CTRL_D && current === '')) {
        finish(new PromptCancelled());
        return true;
      } else if (char === CTRL_U) {
        current = '';
      } else if (BACKSPACE.has(char)) {
        current = Array.from(current).slice(0, -1).join('');
      } else if (char === ESCAPE) {
        inEscape = true;
      } else if (char >= ' ') {
        current += char;
        if (current.length > maxLength) {
          finish(new InputTooLong(maxLength));
          return true;
        }
      }
      return false;
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of decodeChunk(decoder, chunk)) {
        if (key(char)) {
          return;
        }
      }
    };
    const onEnd = () => {
      finish(new PromptCancelled());
    };
    const onError = (error: Error) => {
      finish(error);
    };
    input.setRawMode(true);
    output.write(prompts[0] ?? '');
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}
