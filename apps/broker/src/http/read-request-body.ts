import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { FedgateError } from '@fedgate/core';
import { parseJsonWithoutDuplicateKeys } from './strict-json';

/** Which bodies a route takes: JSON only, or JSON and an HTML form (`application/x-www-form-urlencoded`). */
export type BodyKinds = 'json' | 'json-or-form';

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

interface MediaType {
  type: string;
  charset: string | undefined;
}

/** What the usual Content-Type header spells, without splitting it again on every request. */
const PLAIN_JSON: MediaType = Object.freeze({ type: JSON_TYPE, charset: undefined });

function mediaType(request: IncomingMessage): MediaType {
  const header = request.headers['content-type'];
  if (header === JSON_TYPE) {
    return PLAIN_JSON;
  }
  const [type = '', ...parameters] = (header ?? '').split(';');
  const charset = parameters
    .map((parameter) => parameter.trim().toLowerCase())
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"|"$/g, '');
  return { type: type.trim().toLowerCase(), charset };
}

function decompressor(request: IncomingMessage): Transform | undefined {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  switch (encoding) {
    case 'identity':
      return undefined;
    case 'gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      throw new FedgateError(
        'invalid_request',
        'The request body has an unsupported Content-Encoding: send it as identity, gzip, deflate or br',
        { phase: 'http.body' },
      );
  }
}

function tooLarge(limit: number): FedgateError {
  return new FedgateError('payload_too_large', 'The request body is too large', {
    phase: 'http.body',
    detail: { limitBytes: limit },
  });
}

/**
 * The body when it is already all here: Node has read the whole message
 * into the request's buffer and nobody has touched the stream. That is
 * usual once a guard has waited on I/O (a Redis session, say), rare when
 * every guard answered within the turn that parsed the headers; taking the
 * buffer at once spares the stream's listeners, its ticks and a copy.
 * Otherwise undefined, and the body is streamed.
 */
function bufferedBody(request: IncomingMessage, limit: number): Buffer | undefined {
  if (
    !request.complete ||
    request.destroyed ||
    request.readableFlowing !== null ||
    request.readableLength > limit ||
    request.headers['content-encoding'] !== undefined ||
    Number(request.headers['content-length']) > limit
  ) {
    return undefined;
  }
  // Everything buffered, in one Buffer (the chunk itself when there is one), or null when empty.
  return (request.read() as Buffer | null) ?? Buffer.alloc(0);
}

/**
 * Reads the whole body, decompressed, refusing it past `limit` bytes (counted
 * after decompression, so a small bomb is refused too). Corrupt compressed
 * data and a client that stops half-way are `invalid_request`, never a
 * server error. Whatever is left of a refused body is drained, so the client
 * still gets its answer.
 */
function readBytes(request: IncomingMessage, limit: number): Promise<Buffer> {
  const identity = request.headers['content-encoding'] === undefined;
  if (identity && Number(request.headers['content-length']) > limit) {
    request.resume();
    return Promise.reject(tooLarge(limit));
  }
  const inflate = identity ? undefined : decompressor(request);
  const source = inflate ?? request;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: FedgateError | undefined): void => {
      if (settled) {
        return;
      }
      settled = true;
      source.removeListener('data', onData);
      if (inflate !== undefined) {
        request.unpipe(inflate);
        inflate.on('error', () => undefined);
        inflate.destroy();
      }
      if (error === undefined) {
        // One chunk is the body as it is: no copy.
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
      } else {
        reject(error);
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        request.resume();
        settle(tooLarge(limit));
      } else {
        chunks.push(chunk);
      }
    };
    const cutShort = (): void => {
      settle(new FedgateError('invalid_request', 'The request body was cut short', { phase: 'http.body' }));
    };
    source.on('data', onData);
    source.on('end', () => {
      settle(undefined);
    });
    if (inflate !== undefined) {
      request.pipe(inflate);
      inflate.on('error', () => {
        request.resume();
        settle(
          new FedgateError(
            'invalid_request',
            'The request body could not be decompressed: it is not valid for its Content-Encoding',
            {
              phase: 'http.body',
            },
          ),
        );
      });
    }
    request.on('aborted', cutShort);
    request.on('error', cutShort);
  });
}

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * The text of a UTF-8 body, as a fatal TextDecoder reads it: invalid UTF-8
 * (overlong forms, surrogates, cut sequences) refused, one leading
 * byte order mark dropped.
 */
export function utf8Text(bytes: Buffer): string {
  if (!isUtf8(bytes)) {
    throw new FedgateError('invalid_request', 'The request body is not valid UTF-8', { phase: 'http.body' });
  }
  const bom = bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2];
  return bytes.toString('utf8', bom ? UTF8_BOM.length : 0);
}

/** A form's fields; a field given twice is refused, since which one counts would be a guess. */
function parseForm(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (Object.hasOwn(fields, name)) {
      throw new FedgateError(
        'invalid_request',
        `The form has the field "${name.slice(0, 64)}" more than once`,
        {
          phase: 'http.body',
        },
      );
    }
    fields[name] = value;
  }
  return fields;
}

/**
 * Reads and parses a request body of the kinds the route takes
 * (docs/http-api.md#request-bodies): `undefined` when there is none; JSON
 * (UTF-8, no key twice in one object); a form only where `kinds` allows.
 * Any other Content-Type, or none, is refused without echoing the body.
 */
export async function readRequestBody(
  request: IncomingMessage,
  kinds: BodyKinds,
  limit: number,
): Promise<unknown> {
  if (!hasBody(request)) {
    return undefined;
  }
  const { type, charset } = mediaType(request);
  const form = kinds === 'json-or-form' && type === FORM_TYPE;
  if (type !== JSON_TYPE && !form) {
    request.resume();
    throw new FedgateError(
      'invalid_request',
      kinds === 'json'
        ? 'The request body must be JSON, sent with Content-Type: application/json'
        : 'The request body must be JSON (Content-Type: application/json) or a form (Content-Type: application/x-www-form-urlencoded)',
      { phase: 'http.body' },
    );
  }
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    request.resume();
    throw new FedgateError('invalid_request', 'The request body must be UTF-8', { phase: 'http.body' });
  }
  const text = utf8Text(bufferedBody(request, limit) ?? (await readBytes(request, limit)));
  return form ? parseForm(text) : parseJsonWithoutDuplicateKeys(text);
}
