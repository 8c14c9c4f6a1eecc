import { HttpException } from '@nestjs/common';
import { FedgateError, type ErrorCode } from '@fedgate/core';

/** The one place error codes become HTTP statuses (exhaustive: a new code must be placed here). */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'invalid_request':
    case 'unsupported_operation':
    case 'sign_in_state_unknown':
    case 'sign_in_state_replayed':
    case 'sign_in_state_expired':
    case 'sign_in_state_mismatch':
    case 'assertion_invalid':
    case 'sts_rejected':
      return 400;
    case 'invalid_credentials':
    case 'unauthenticated':
      return 401;
    case 'csrf_rejected':
    case 'not_entitled':
    case 'access_revoked':
    case 'sts_denied':
      return 403;
    case 'not_found':
    case 'unknown_connector':
      return 404;
    case 'payload_too_large':
      return 413;
    case 'rate_limited':
      return 429;
    case 'internal':
    case 'config_invalid':
      return 500;
    case 'upstream_unavailable':
      return 502;
    case 'store_unavailable':
    case 'idp_unavailable':
    case 'upstream_throttled':
      return 503;
  }
}

/** Errors that Fastify raises (a malformed URL, a bad header) carry an HTTP status. */
interface ErrorWithStatus {
  statusCode?: unknown;
  status?: unknown;
}

/**
 * Normalizes anything thrown while serving a request into a FedgateError:
 * Fastify's own client errors (a malformed URL), Nest's HTTP exceptions
 * (unknown routes) and, as `internal`, everything unexpected (whose message
 * is never shown). Request bodies are read by `read-request-body.ts`, which
 * throws FedgateErrors of its own.
 */
export function toFedgateError(error: unknown): FedgateError {
  if (error instanceof FedgateError) {
    return error;
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) {
      return new FedgateError('not_found', 'No such endpoint', { cause: error });
    }
    if (status < 500) {
      return new FedgateError('invalid_request', 'The request is not acceptable', { cause: error });
    }
  }
  const carried = error as ErrorWithStatus | null;
  const status = carried?.statusCode ?? carried?.status;
  if (status === 413) {
    return new FedgateError('payload_too_large', 'The request body is too large', { cause: error });
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new FedgateError('invalid_request', 'The request could not be read', { cause: error });
  }
  return new FedgateError('internal', 'Internal error', { cause: error });
}
