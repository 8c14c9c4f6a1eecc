import { closeSync, openSync, readSync } from 'node:fs';

/** The largest configuration file, and the largest file a `${file:…}` reference may read. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** A file's text, or why it could not be had: a reason phrase such as `no such file`. */
export type ReadTextResult = { ok: true; text: string } | { ok: false; reason: string };

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ELOOP: 'too many symbolic links',
};

/** Why reading failed, in words; the error's own message may repeat the path and is not needed. */
export function describeReadError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    return REASONS[code] ?? code;
  }
  return error instanceof Error ? error.message : String(error);
}

function tooLarge(limit: number): ReadTextResult {
  return { ok: false, reason: `it is larger than ${limit === MAX_FILE_BYTES ? '1 MiB' : `${limit} bytes`}` };
}

function decode(bytes: Buffer): ReadTextResult {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, reason: 'it is not UTF-8 text' };
  }
}

/**
 * Reads a UTF-8 text file synchronously, never more than `limit` bytes:
 * reading stops at `limit + 1`, so /dev/zero or a runaway log cannot exhaust
 * memory. Never throws for file-system errors.
 */
export function readTextFileSync(path: string, limit = MAX_FILE_BYTES): ReadTextResult {
  let descriptor: number;
  try {
    descriptor = openSync(path, 'r');
  } catch (error) {
    return { ok: false, reason: describeReadError(error) };
  }
  try {
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (;;) {
      const count = readSync(descriptor, buffer, length, buffer.length - length, null);
      if (count === 0) {
        break;
      }
      length += count;
      if (length > limit) {
        return tooLarge(limit);
      }
    }
    return decode(buffer.subarray(0, length));
  } catch (error) {
    return { ok: false, reason: describeReadError(error) };
  } finally {
    closeSync(descriptor);
  }
}
