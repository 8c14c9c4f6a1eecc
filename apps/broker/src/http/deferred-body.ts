import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** Where the request's Content-Type waits until RequestBodyInterceptor reads the body. */
const HELD_CONTENT_TYPE = Symbol('fedgate.heldContentType');

interface HoldingRequest extends IncomingMessage {
  [HELD_CONTENT_TYPE]?: string;
}

/**
 * Leaves request bodies to RequestBodyInterceptor, which reads them only
 * after the route's guards have passed (read-request-body.ts decides what is
 * acceptable). Fastify would parse a body before any guard runs, and refuse
 * a malformed Content-Type with its own 415; so the Content-Type is held
 * aside while Fastify routes the request, and one parser that reads nothing
 * takes every body, leaving the stream unread.
 */
export function deferRequestBodies(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => {
    done(null, undefined);
  });
  fastify.addHook('onRequest', (request, _reply, done) => {
    const raw = request.raw as HoldingRequest;
    const type = raw.headers['content-type'];
    if (type !== undefined) {
      raw[HELD_CONTENT_TYPE] = type;
      delete raw.headers['content-type'];
    }
    done();
  });
}

/** The raw request with its Content-Type back in place, ready for readRequestBody. */
export function withContentType(raw: IncomingMessage): IncomingMessage {
  const held = (raw as HoldingRequest)[HELD_CONTENT_TYPE];
  if (held !== undefined) {
    raw.headers['content-type'] = held;
    (raw as HoldingRequest)[HELD_CONTENT_TYPE] = undefined;
  }
  return raw;
}
