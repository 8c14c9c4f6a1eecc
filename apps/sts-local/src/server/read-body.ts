import type { IncomingMessage } from 'node:http';

/** A body, or the fact that it was larger than allowed (its bytes are then dropped). */
export type BodyResult = { ok: true; body: Buffer } | { ok: false; tooLarge: true };

/** Past this many times the limit the connection is cut instead of drained. */
const DRAIN_FACTOR = 16;

/**
 * Reads a request body up to `limit` bytes. A larger body is drained (so the
 * client can read the error answer) but not kept; a far larger one is cut.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
      } else if (size > limit * DRAIN_FACTOR) {
        request.destroy();
        resolve({ ok: false, tooLarge: true });
      }
    });
    request.on('end', () => {
      resolve(size > limit ? { ok: false, tooLarge: true } : { ok: true, body: Buffer.concat(chunks) });
    });
    request.on('error', reject);
  });
}
