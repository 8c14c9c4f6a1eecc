import { createServer, request as send, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { FedgateError } from '@fedgate/core';
import { readRequestBody, utf8Text } from './read-request-body';

/** What a fatal TextDecoder makes of the bytes (null: refused), as the reader did before it checked them with isUtf8. */
function decoded(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function utf8Result(bytes: Uint8Array): string | null {
  try {
    return utf8Text(Buffer.from(bytes));
  } catch (error) {
    expect(error).toEqual(new FedgateError('invalid_request', 'The request body is not valid UTF-8'));
    return null;
  }
}

describe('utf8Text', () => {
  it.each([
    ['ASCII', [0x7b, 0x7d]],
    ['a byte order mark, dropped', [0xef, 0xbb, 0xbf, 0x7b, 0x7d]],
    ['two byte order marks, the second kept', [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]],
    ['a byte order mark alone', [0xef, 0xbb, 0xbf]],
    ['a cut byte order mark', [0xef, 0xbb]],
    ['two-, three- and four-byte characters', [0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]],
    ['an overlong form', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a cut sequence', [0x7b, 0xe2, 0x82]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a lone continuation byte', [0x80]],
    ['nothing', []],
  ])('reads %s as a fatal TextDecoder does', (_name, bytes) => {
    expect(utf8Result(Uint8Array.from(bytes))).toBe(decoded(Uint8Array.from(bytes)));
  });

  it('refuses invalid UTF-8', () => {
    expect(utf8Result(Uint8Array.from([0xc0, 0xaf]))).toBeNull();
  });

  it('reads any bytes as a fatal TextDecoder does', () => {
    // Bytes that often form (or nearly form) multi-byte sequences, and a byte order mark in front.
    const byte = fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(0x80, 0xbf, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xbb),
    );
    const bytes = fc
      .tuple(fc.boolean(), fc.array(byte, { maxLength: 12 }))
      .map(([bom, rest]) => Uint8Array.from(bom ? [0xef, 0xbb, 0xbf, ...rest] : rest));
    fc.assert(
      fc.property(bytes, (value) => {
        expect(utf8Result(value)).toBe(decoded(value));
      }),
      { numRuns: 5000 },
    );
  });
});

/**
 * readRequestBody against real requests. The server reads each body either
 * at once, as the request arrives (the body still to come: streamed), or once
 * Node has the whole message (the body buffered), and answers what it read
 * and whether the message was complete when it started.
 */
describe('readRequestBody', () => {
  const LIMIT = 64;
  let server: Server;
  let port: number;

  async function whenComplete(request: IncomingMessage): Promise<void> {
    while (!request.complete) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  beforeAll(async () => {
    server = createServer((request, response) => {
      void (async () => {
        if (request.headers['x-read'] === 'buffered') {
          await whenComplete(request);
        }
        const complete = request.complete;
        const kinds = request.headers['x-kinds'] === 'json-or-form' ? 'json-or-form' : 'json';
        let answer: Record<string, unknown>;
        try {
          answer = { body: (await readRequestBody(request, kinds, LIMIT)) ?? null };
        } catch (error) {
          const fedgate = error as FedgateError;
          answer = { error: fedgate.code, message: fedgate.message };
        }
        if (request.headers['x-listeners'] !== undefined) {
          // The stream's listeners the read left on the request: none when it took the buffered body.
          answer.listeners = request.listenerCount('aborted') + request.listenerCount('error');
        }
        response.end(JSON.stringify({ complete, ...answer }));
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends the chunks (a chunked body without content-length when `chunked`), and reads the answer. */
  function post(
    read: 'buffered' | 'streamed',
    chunks: (string | Buffer)[],
    headers: Record<string, string> = {},
  ): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const outgoing = send(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          headers: { 'content-type': 'application/json', 'x-read': read, ...headers },
        },
        (response) => {
          const parts: Buffer[] = [];
          response.on('data', (part: Buffer) => parts.push(part));
          response.on('end', () => {
            resolve(JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>);
          });
        },
      );
      outgoing.on('error', reject);
      if (read === 'streamed') {
        // The headers go first: the server starts reading before any of the body is there.
        outgoing.flushHeaders();
        setImmediate(() => {
          chunks.forEach((chunk) => outgoing.write(chunk));
          outgoing.end();
        });
      } else {
        chunks.forEach((chunk) => outgoing.write(chunk));
        outgoing.end();
      }
    });
  }

  const BODY = '{"accountId":"111122223333","permissionSet":"Admin"}';
  const PARSED = { accountId: '111122223333', permissionSet: 'Admin' };

  function sized(body: string | Buffer): Record<string, string> {
    return { 'content-length': String(Buffer.byteLength(body)) };
  }

  it.each(['buffered', 'streamed'] as const)('reads a JSON body %s', async (read) => {
    const answer = await post(read, [BODY], sized(BODY));
    expect(answer).toEqual({ complete: read === 'buffered', body: PARSED });
  });

  it('takes a body already buffered without listening to the stream', async () => {
    const headers = { ...sized(BODY), 'x-listeners': 'yes' };
    expect(await post('buffered', [BODY], headers)).toMatchObject({ complete: true, listeners: 0 });
    expect(await post('streamed', [BODY], headers)).toMatchObject({ complete: false, listeners: 2 });
  });

  it.each(['buffered', 'streamed'] as const)('reads a body sent in several chunks, %s', async (read) => {
    const answer = await post(read, ['{"accountId":', '"é",', '"permissionSet":"Admin"}']);
    expect(answer).toEqual({
      complete: read === 'buffered',
      body: { accountId: 'é', permissionSet: 'Admin' },
    });
  });

  it.each(['buffered', 'streamed'] as const)('refuses invalid UTF-8, %s', async (read) => {
    const body = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]);
    const answer = await post(read, [body], sized(body));
    expect(answer).toEqual({
      complete: read === 'buffered',
      error: 'invalid_request',
      message: 'The request body is not valid UTF-8',
    });
  });

  it.each(['buffered', 'streamed'] as const)('drops a byte order mark, %s', async (read) => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]);
    expect(await post(read, [body], sized(body))).toEqual({ complete: read === 'buffered', body: { a: 1 } });
  });

  it.each(['buffered', 'streamed'] as const)('refuses a key given twice, %s', async (read) => {
    const body = '{"a":1,"\\u0061":2}';
    expect(await post(read, [body], sized(body))).toEqual({
      complete: read === 'buffered',
      error: 'invalid_request',
      message: 'The request body is ambiguous: an object has the key "a" more than once',
    });
  });

  it.each(['buffered', 'streamed'] as const)('reads an empty chunked body as no JSON, %s', async (read) => {
    expect(await post(read, [], { 'transfer-encoding': 'chunked' })).toEqual({
      complete: read === 'buffered',
      error: 'invalid_request',
      message: 'The request body is not valid JSON',
    });
  });

  it.each([
    ['buffered', 'declared', true],
    ['buffered', 'chunked', false],
    ['streamed', 'declared', true],
    ['streamed', 'chunked', false],
  ] as const)('refuses a body past the limit, %s and %s', async (read, _framing, declared) => {
    const body = `{"a":"${'x'.repeat(LIMIT)}"}`;
    const answer = await post(read, [body.slice(0, 10), body.slice(10)], declared ? sized(body) : {});
    expect(answer).toEqual({
      complete: read === 'buffered',
      error: 'payload_too_large',
      message: 'The request body is too large',
    });
  });

  it.each(['buffered', 'streamed'] as const)(
    'reads a gzip body, and refuses a corrupt one, %s',
    async (read) => {
      const body = gzipSync(BODY);
      const headers = { ...sized(body), 'content-encoding': 'gzip' };
      expect(await post(read, [body], headers)).toEqual({
        complete: read === 'buffered',
        body: PARSED,
      });
      const corrupt = Buffer.from('not gzip');
      expect(await post(read, [corrupt], { ...sized(corrupt), 'content-encoding': 'gzip' })).toEqual({
        complete: read === 'buffered',
        error: 'invalid_request',
        message: 'The request body could not be decompressed: it is not valid for its Content-Encoding',
      });
    },
  );

  it('takes a body of exactly the limit', async () => {
    const body = `{"a":"${'x'.repeat(LIMIT - 8)}"}`;
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    expect(await post('buffered', [body], sized(body))).toEqual({
      complete: true,
      body: { a: 'x'.repeat(LIMIT - 8) },
    });
  });

  it.each(['buffered', 'streamed'] as const)('reads a form where the route takes one, %s', async (read) => {
    const body = 'username=alice&password=p%C3%A9';
    const answer = await post(read, [body], {
      ...sized(body),
      'content-type': 'application/x-www-form-urlencoded',
      'x-kinds': 'json-or-form',
    });
    expect(answer).toEqual({ complete: read === 'buffered', body: { username: 'alice', password: 'pé' } });
  });

  it('refuses another charset, and another Content-Type, before reading', async () => {
    const charset = await post('buffered', [BODY], {
      ...sized(BODY),
      'content-type': 'application/json; charset=latin1',
    });
    expect(charset).toEqual({
      complete: true,
      error: 'invalid_request',
      message: 'The request body must be UTF-8',
    });
    const utf8 = await post('buffered', [BODY], {
      ...sized(BODY),
      'content-type': 'Application/JSON; Charset="UTF-8"',
    });
    expect(utf8).toEqual({ complete: true, body: PARSED });
    const text = await post('buffered', [BODY], { ...sized(BODY), 'content-type': 'text/plain' });
    expect(text).toEqual({
      complete: true,
      error: 'invalid_request',
      message: 'The request body must be JSON, sent with Content-Type: application/json',
    });
  });
});
