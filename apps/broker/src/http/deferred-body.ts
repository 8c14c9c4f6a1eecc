import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PORTAL_FORM_ROUTES } from '../portal/portal-routes';
import { bodyLimitFor } from './body-limits';
import { readRequestBody, type BodyKinds } from './read-request-body';
import { requestPath } from './request-path';

/** The headers that tell Fastify a request has a body, and of which type. */
const BODY_HEADERS = ['content-type', 'content-length', 'transfer-encoding'] as const;

/** Where those headers wait until the body is read. */
const HELD_BODY_HEADERS = Symbol('fedgate.heldBodyHeaders');

interface HoldingRequest extends IncomingMessage {
  [HELD_BODY_HEADERS]?: (string | undefined)[];
}

/**
 * Leaves request bodies to RequestBodyPipe, which reads them only when a
 * handler takes one, after the route's guards have passed (read-request-body.ts decides what is
 * acceptable). Fastify would parse a body before any guard runs, refuse a
 * malformed Content-Type with its own 415, and run even a parser that reads
 * nothing through an async resource per request; so the headers that
 * announce a body are held aside while Fastify routes the request (the
 * stream itself is untouched, Node frames the body without them), and
 * Fastify sees a request without a body. They are set to undefined rather
 * than deleted: deleting a property makes every later header lookup slower.
 */
export function deferRequestBodies(fastify: FastifyInstance): void {
  // A safety net: were a body ever announced anyway, it is left unread for the interceptor.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => {
    done(null, undefined);
  });
  fastify.addHook('onRequest', (request, _reply, done) => {
    const raw = request.raw as HoldingRequest;
    const headers = raw.headers;
    if (
      headers['content-type'] !== undefined ||
      headers['content-length'] !== undefined ||
      headers['transfer-encoding'] !== undefined
    ) {
      raw[HELD_BODY_HEADERS] = BODY_HEADERS.map((name) => headers[name]);
      for (const name of BODY_HEADERS) {
        headers[name] = undefined;
      }
    }
    request.body = new PendingBody(request);
    done();
  });
}

/** The raw request with its body headers back in place, ready for readRequestBody. */
export function withBodyHeaders(raw: IncomingMessage): IncomingMessage {
  const holding = raw as HoldingRequest;
  const held = holding[HELD_BODY_HEADERS];
  if (held !== undefined) {
    BODY_HEADERS.forEach((name, index) => {
      const value = held[index];
      if (value !== undefined) {
        raw.headers[name] = value;
      }
    });
    holding[HELD_BODY_HEADERS] = undefined;
  }
  return raw;
}

/**
 * The routes that take an HTML form as well as JSON (docs/http-api.md): the
 * password login form and the SAML Assertion Consumer Service, which an IdP
 * posts cross-site as a form. Every other route takes JSON only.
 */
export const FORM_ROUTES: readonly RegExp[] = [
  /^\/auth\/[^/]+\/login\/?$/i,
  /^\/auth\/[^/]+\/callback\/?$/i,
  // RFC 6749 and RFC 8628 endpoints take forms; the approval and device pages post one.
  /^\/oauth\/(authorize|token|device_authorization|revoke|device)$/,
  // The portal's forms (docs/portal.md).
  ...PORTAL_FORM_ROUTES,
];

function kindsFor(request: FastifyRequest): BodyKinds {
  if (request.method !== 'POST') {
    return 'json';
  }
  const path = requestPath(request);
  return FORM_ROUTES.some((route) => route.test(path)) ? 'json-or-form' : 'json';
}

/**
 * A request's body, not read yet: what `@Body()` sees until RequestBodyPipe
 * reads it. Reading happens once, however many parameters ask.
 */
export class PendingBody {
  private reading: Promise<unknown> | undefined;

  constructor(private readonly request: FastifyRequest) {}

  /** Reads at most the route's limit (body-limits.ts), never more than `limit`. */
  read(limit: number): Promise<unknown> {
    this.reading ??= readRequestBody(
      withBodyHeaders(this.request.raw),
      kindsFor(this.request),
      bodyLimitFor(requestPath(this.request), limit),
    );
    return this.reading;
  }
}
