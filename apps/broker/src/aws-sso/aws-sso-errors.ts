import type { FastifyReply } from 'fastify';
import { FedgateError } from '@fedgate/core';
import type { Logger } from '@fedgate/logging';
import { OAuthError, type OAuthErrorCode } from '@fedgate/oauth';

/**
 * A refusal in AWS's REST-JSON terms: the exception name goes in the
 * `x-amzn-ErrorType` header, which botocore and the JS SDK read first, so
 * each client raises its usual error type with the message.
 */
export class AwsSsoError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AwsSsoError';
  }
}

/** SSO OIDC's exception for each OAuth error (the `error` field stays OAuth's code, as AWS sends it). */
const OIDC_EXCEPTIONS: Record<OAuthErrorCode, { type: string; status: number }> = {
  invalid_request: { type: 'InvalidRequestException', status: 400 },
  invalid_client: { type: 'InvalidClientException', status: 401 },
  invalid_grant: { type: 'InvalidGrantException', status: 400 },
  unauthorized_client: { type: 'UnauthorizedClientException', status: 400 },
  unsupported_grant_type: { type: 'UnsupportedGrantTypeException', status: 400 },
  unsupported_token_type: { type: 'InvalidRequestException', status: 400 },
  invalid_scope: { type: 'InvalidScopeException', status: 400 },
  access_denied: { type: 'AccessDeniedException', status: 400 },
  authorization_pending: { type: 'AuthorizationPendingException', status: 400 },
  slow_down: { type: 'SlowDownException', status: 400 },
  expired_token: { type: 'ExpiredTokenException', status: 400 },
  temporarily_unavailable: { type: 'InternalServerException', status: 500 },
};

function send(reply: FastifyReply, status: number, type: string, body: Record<string, string>): void {
  void reply
    .status(status)
    .header('Cache-Control', 'no-store')
    .header('x-amzn-ErrorType', type)
    .header('Content-Type', 'application/json')
    .send(JSON.stringify(body));
}

/** Answers a failed SSO OIDC call: `{error, error_description}` and the exception name. */
export function sendOidcError(reply: FastifyReply, error: unknown, logger: Logger, operation: string): void {
  if (error instanceof OAuthError) {
    const { type, status } = OIDC_EXCEPTIONS[error.error];
    logger.info({ operation, error: type, ...error.detail }, 'aws sso oidc request refused');
    send(reply, status, type, { error: error.error, error_description: error.description });
    return;
  }
  if (error instanceof AwsSsoError) {
    logger.info({ operation, error: error.type }, 'aws sso oidc request refused');
    send(reply, error.status, error.type, { error: 'invalid_request', error_description: error.message });
    return;
  }
  if (error instanceof FedgateError && error.code === 'rate_limited') {
    // A device poll is told SlowDownException instead (OAuthEndpoints); anything else is throttled,
    // which botocore and the JS SDK retry after backing off.
    if (error.retryAfterSeconds !== undefined) {
      reply.header('Retry-After', String(error.retryAfterSeconds));
    }
    logger.info({ operation, error: 'TooManyRequestsException' }, 'aws sso oidc request refused');
    send(reply, 429, 'TooManyRequestsException', {
      error: 'temporarily_unavailable',
      error_description: error.message,
    });
    return;
  }
  if (error instanceof FedgateError && error.code === 'invalid_request') {
    send(reply, 400, 'InvalidRequestException', {
      error: 'invalid_request',
      error_description: error.message,
    });
    return;
  }
  logger.error(
    { operation, err: error instanceof FedgateError ? (error.cause ?? error) : error },
    'aws sso oidc failed',
  );
  send(reply, 500, 'InternalServerException', {
    error: 'server_error',
    error_description: 'The broker cannot answer now; try again',
  });
}

/** The SSO portal's exception for a FedgateError from the flows. */
function portalException(error: FedgateError): { type: string; status: number } {
  switch (error.code) {
    case 'unauthenticated':
      return { type: 'UnauthorizedException', status: 401 };
    case 'not_entitled':
    case 'access_revoked':
    case 'sts_denied':
      // What IAM Identity Center answers for a role that is not the user's: "No access".
      return { type: 'ForbiddenException', status: 403 };
    case 'not_found':
      return { type: 'ResourceNotFoundException', status: 404 };
    case 'rate_limited':
    case 'upstream_throttled':
      return { type: 'TooManyRequestsException', status: 429 };
    case 'invalid_request':
    case 'sts_rejected':
    case 'payload_too_large':
    case 'unsupported_operation':
      return { type: 'InvalidRequestException', status: 400 };
    case 'invalid_credentials':
    case 'csrf_rejected':
    case 'unknown_connector':
    case 'sign_in_state_unknown':
    case 'sign_in_state_replayed':
    case 'sign_in_state_expired':
    case 'sign_in_state_mismatch':
    case 'assertion_invalid':
    case 'idp_unavailable':
    case 'upstream_unavailable':
    case 'store_unavailable':
    case 'config_invalid':
    case 'internal':
      // Nothing a portal call can cause: the broker could not answer.
      return { type: 'InternalServerException', status: 500 };
  }
}

/** Answers a failed SSO portal call: `{message}` and the exception name. */
export function sendPortalError(
  reply: FastifyReply,
  error: unknown,
  logger: Logger,
  operation: string,
): void {
  if (error instanceof AwsSsoError) {
    logger.info({ operation, error: error.type }, 'aws sso portal request refused');
    send(reply, error.status, error.type, { message: error.message });
    return;
  }
  if (error instanceof FedgateError) {
    const { type, status } = portalException(error);
    if (status >= 500) {
      logger.error({ operation, err: error.cause ?? error }, error.message);
      send(reply, status, type, { message: 'The broker cannot answer now; try again' });
      return;
    }
    if (error.retryAfterSeconds !== undefined) {
      reply.header('Retry-After', String(error.retryAfterSeconds));
    }
    logger.info({ operation, error: type, code: error.code }, 'aws sso portal request refused');
    send(reply, status, type, { message: error.message });
    return;
  }
  logger.error({ operation, err: error }, 'aws sso portal failed');
  send(reply, 500, 'InternalServerException', { message: 'Internal error' });
}
