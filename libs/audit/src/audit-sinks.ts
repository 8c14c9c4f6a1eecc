import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync, constants as fs } from 'node:fs';
import { CHAIN_START, splitLine, type ChainPosition } from './audit-chain';

/** Where chained lines go; each write is a group of complete lines, kept whole or failing. */
export interface AuditSink {
  /** Where the stream left off before this process (a file's last line), or the chain's start. */
  readonly resumeFrom: ChainPosition;
  write(lines: readonly string[]): void;
  close(): void;
}

/** Lines to standard output, apart from the application log's (which go to stderr then). */
export function stdoutSink(): AuditSink {
  return {
    resumeFrom: CHAIN_START,
    write: (lines) => {
      writeAll(1, linesText(lines));
    },
    close: () => undefined,
  };
}

function linesText(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

/** One write of the whole text, or an error: a short write (a full disk) is not a kept group. */
function writeAll(fd: number, text: string): void {
  const written = writeSync(fd, text);
  const length = Buffer.byteLength(text);
  if (written !== length) {
    // Close the torn line, so the next group starts on a line of its own; the verifier names it.
    writeSync(fd, '\n');
    throw new Error(`the audit stream took ${written} of ${length} bytes (is the disk full?)`);
  }
}

const TAIL_BYTES = 64 * 1024;

/** The last complete chained line's position in an open file, and whether a torn line follows it. */
function lastPosition(fd: number): { position: ChainPosition; torn: boolean } {
  const size = fstatSync(fd).size;
  if (size === 0) {
    return { position: CHAIN_START, torn: false };
  }
  const length = Math.min(size, TAIL_BYTES);
  const buffer = Buffer.alloc(length);
  readSync(fd, buffer, 0, length, size - length);
  const tail = buffer.toString('utf8');
  const torn = !tail.endsWith('\n');
  const lines = tail.split('\n').filter((line) => line !== '');
  const last = (torn ? lines.slice(0, -1) : lines).at(-1);
  const position = last === undefined ? undefined : chainedPosition(last);
  if (position === undefined) {
    throw new Error(
      'the audit file does not end with a chained audit line; check it with fedgate audit verify, or move it aside',
    );
  }
  return { position, torn };
}

function chainedPosition(line: string): ChainPosition | undefined {
  const parts = splitLine(line);
  try {
    const seq = (JSON.parse(line) as { seq?: unknown }).seq;
    return parts !== undefined && typeof seq === 'number' ? { seq, hash: parts.hash } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lines appended to a file (created 0600), continuing the chain of what the
 * file already holds, so a restart does not break it. A line torn by a
 * crash is closed with a newline and left for `fedgate audit verify` to
 * report. With fsync, each group of lines reaches the disk before it counts as written.
 */
export function fileSink(path: string, options: { fsync?: boolean } = {}): AuditSink {
  const fd = openSync(path, fs.O_RDWR | fs.O_CREAT | fs.O_APPEND | fs.O_NOFOLLOW, 0o600);
  try {
    const { position, torn } = lastPosition(fd);
    if (torn) {
      writeSync(fd, '\n');
    }
    return {
      resumeFrom: position,
      write: (lines) => {
        writeAll(fd, linesText(lines));
        if (options.fsync === true) {
          fsyncSync(fd);
        }
      },
      close: () => {
        closeSync(fd);
      },
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
