import type { FastifyReply } from 'fastify';
import { FedgateError } from '@fedgate/core';
import { OAuthError } from '@fedgate/oauth';
import type { Logger } from '@fedgate/logging';

/** Token endpoint answers carry tokens: no cache may keep them (RFC 6749 section 5.1). */
export function oauthNoStore(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
}

/**
 * Answers a failed OAuth endpoint call in RFC 6749's shape:
 * `{error, error_description}` with the status the error calls for. A
 * FedgateError (rate limit, store down) becomes `temporarily_unavailable` or
 * `server_error`; nothing but the safe description is sent, and the refusal
 * is logged without the request's parameters.
 */
export function sendOAuthError(reply: FastifyReply, error: unknown, logger: Logger, endpoint: string): void {
  let status: number;
  let body: { error: string; error_description: string };
  if (error instanceof OAuthError) {
    status = error.status;
    body = error.toJSON();
    logger.info({ endpoint, error: error.error, ...error.detail }, 'oauth request refused');
  } else if (error instanceof FedgateError && error.code === 'rate_limited') {
    status = 429;
    body = { error: 'temporarily_unavailable', error_description: error.message };
    if (error.retryAfterSeconds !== undefined) {
      reply.header('Retry-After', String(error.retryAfterSeconds));
    }
  } else if (error instanceof FedgateError && error.code === 'invalid_request') {
    status = 400;
    body = { error: 'invalid_request', error_description: error.message };
  } else if (error instanceof FedgateError && error.code === 'store_unavailable') {
    status = 503;
    body = { error: 'temporarily_unavailable', error_description: 'The broker cannot answer now; try again' };
    logger.error({ endpoint, err: error.cause ?? error }, error.message);
  } else {
    status = 500;
    body = { error: 'server_error', error_description: 'Internal error' };
    logger.error({ endpoint, err: error }, 'oauth endpoint failed');
  }
  void oauthNoStore(reply)
    .status(status)
    .header('Content-Type', 'application/json; charset=utf-8')
    .send(JSON.stringify(body));
}

/** A form's fields as strings; anything else (an object from a JSON body) is refused. */
export function formParams(body: unknown): Record<string, string | undefined> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OAuthError(
      'invalid_request',
      'Send the parameters as a form (application/x-www-form-urlencoded)',
    );
  }
  const entries = Object.entries(body);
  if (entries.some(([, value]) => typeof value !== 'string')) {
    throw new OAuthError('invalid_request', 'Every parameter must be a string');
  }
  // fromEntries makes own properties: a field named __proto__ is just a field.
  return Object.fromEntries(entries);
}
