import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@fedgate/logging';
import { signInLocation, wantsSignInPage } from '../portal/portal-routes';
import { httpStatusFor, toFedgateError } from './error-response';
import { requestPath } from './request-path';
import { sendSignInErrorPage, wantsErrorPage } from './sign-in-error-page';

/**
 * Every error leaves as JSON `{error, message}` with the status its code
 * maps to, or, on a browser's sign-in step, as a page a person can read.
 * Server errors are logged with their cause; their message is generic. No
 * stack traces, no secrets in bodies. Nest routes reach it through
 * ErrorsFilter, the routes Fastify serves directly through their error handler.
 */
export function answerError(
  logger: Logger,
  exception: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const error = toFedgateError(exception);
  const status = httpStatusFor(error.code);
  const context = {
    code: error.code,
    method: request.method,
    path: requestPath(request),
    ...(error.phase === undefined ? {} : { phase: error.phase }),
    detail: error.detail,
  };
  if (status >= 500) {
    logger.error({ ...context, err: error.cause ?? error }, error.message);
  } else {
    logger.info(context, 'request rejected');
  }
  if (reply.sent || reply.raw.headersSent) {
    return;
  }
  // Only the error's own client-facing field: operator detail never shapes the answer.
  const retryAfter = error.retryAfterSeconds;
  if (typeof retryAfter === 'number') {
    reply.header('Retry-After', String(retryAfter));
  }
  const message = status === 500 ? 'Internal error' : error.message;
  // A browser's signed-out visit to a page (a deep link to /console/…) goes to sign in, and comes back.
  if (error.code === 'unauthenticated' && wantsSignInPage(request.method, request.headers.accept)) {
    void reply.header('Cache-Control', 'no-store').redirect(signInLocation(request.url), 303);
    return;
  }
  if (wantsErrorPage(reply)) {
    sendSignInErrorPage(reply, status, error, message);
    return;
  }
  void reply
    .status(status)
    .header('Cache-Control', 'no-store')
    .header('Content-Type', 'application/json; charset=utf-8')
    .send(JSON.stringify({ error: error.code, message }));
}
