import { FedgateError } from '@fedgate/core';

/** The phase of every refusal the token exchange itself (not the connector or issuance) makes. */
export const TOKEN_EXCHANGE_PHASES = {
  request: 'token-exchange.request',
  client: 'token-exchange.client',
  issuer: 'token-exchange.issuer',
  caller: 'token-exchange.caller',
} as const;

/**
 * The error codes a token-exchange caller sees in `fedgate_error`, beside
 * RFC 6749's `error`: one per reason, so a caller (and its operator) knows
 * what to fix without reading fedgate's logs.
 */
export const TOKEN_EXCHANGE_ERRORS = {
  invalid_request: { error: 'invalid_request', status: 400 },
  unsupported_token_type: { error: 'invalid_request', status: 400 },
  invalid_scope: { error: 'invalid_scope', status: 400 },
  invalid_target: { error: 'invalid_target', status: 400 },
  client_authentication_failed: { error: 'invalid_client', status: 401 },
  caller_not_allowed: { error: 'unauthorized_client', status: 400 },
  issuer_unknown: { error: 'invalid_grant', status: 400 },
  token_malformed: { error: 'invalid_grant', status: 400 },
  alg_not_allowed: { error: 'invalid_grant', status: 400 },
  signature_invalid: { error: 'invalid_grant', status: 400 },
  audience_mismatch: { error: 'invalid_grant', status: 400 },
  token_expired: { error: 'invalid_grant', status: 400 },
  token_not_yet_valid: { error: 'invalid_grant', status: 400 },
  token_too_old: { error: 'invalid_grant', status: 400 },
  token_replayed: { error: 'invalid_grant', status: 400 },
  token_claims_missing: { error: 'invalid_grant', status: 400 },
  claim_condition_failed: { error: 'invalid_grant', status: 400 },
  not_entitled: { error: 'invalid_target', status: 400 },
  over_limit: { error: 'invalid_target', status: 400 },
  upstream_refused: { error: 'invalid_target', status: 400 },
  temporarily_unavailable: { error: 'temporarily_unavailable', status: 503 },
  // Past a rate limit: 429 with Retry-After, as every other OAuth endpoint answers.
  rate_limited: { error: 'temporarily_unavailable', status: 429 },
  server_error: { error: 'server_error', status: 500 },
} as const;

export type TokenExchangeErrorCode = keyof typeof TOKEN_EXCHANGE_ERRORS;

/** The jwt connector's checks (TOKEN_CHECKS) as token-exchange error codes. */
const TOKEN_CHECK_CODES: Readonly<Record<string, TokenExchangeErrorCode>> = {
  format: 'token_malformed',
  issuer: 'issuer_unknown',
  alg: 'alg_not_allowed',
  signature: 'signature_invalid',
  audience: 'audience_mismatch',
  expired: 'token_expired',
  not_yet_valid: 'token_not_yet_valid',
  too_old: 'token_too_old',
  replayed: 'token_replayed',
  claim_condition: 'claim_condition_failed',
  missing_claim: 'token_claims_missing',
};

/** A refusal of the exchange itself; `detail.check` is the client-facing code. */
export function tokenExchangeRefusal(
  code: TokenExchangeErrorCode,
  phase: (typeof TOKEN_EXCHANGE_PHASES)[keyof typeof TOKEN_EXCHANGE_PHASES],
  message: string,
  detail: Record<string, unknown> = {},
): FedgateError {
  const fedgateCode =
    code === 'client_authentication_failed'
      ? 'invalid_credentials'
      : code === 'caller_not_allowed'
        ? 'not_entitled'
        : code === 'issuer_unknown'
          ? 'assertion_invalid'
          : 'invalid_request';
  return new FedgateError(fedgateCode, message, { phase, detail: { ...detail, check: code } });
}

/** The code a caller is told for anything thrown during an exchange. */
export function tokenExchangeErrorCode(error: unknown): TokenExchangeErrorCode {
  if (!(error instanceof FedgateError)) {
    return 'server_error';
  }
  const check = typeof error.detail.check === 'string' ? error.detail.check : undefined;
  if (
    error.phase?.startsWith('token-exchange.') === true &&
    check !== undefined &&
    check in TOKEN_EXCHANGE_ERRORS
  ) {
    return check as TokenExchangeErrorCode;
  }
  if (error.phase === 'jwt.verify' && check !== undefined) {
    return TOKEN_CHECK_CODES[check] ?? 'token_malformed';
  }
  if (error.phase === 'mapping.limits') {
    return 'over_limit';
  }
  switch (error.code) {
    case 'not_entitled':
    case 'access_revoked':
      return 'not_entitled';
    case 'invalid_request':
      return 'invalid_request';
    case 'sts_denied':
    case 'sts_rejected':
      return 'upstream_refused';
    case 'store_unavailable':
    case 'idp_unavailable':
    case 'upstream_unavailable':
    case 'upstream_throttled':
      return 'temporarily_unavailable';
    case 'rate_limited':
      return 'rate_limited';
    case 'assertion_invalid':
      return 'token_malformed';
    case 'invalid_credentials':
      return 'client_authentication_failed';
    case 'unauthenticated':
    case 'csrf_rejected':
    case 'not_found':
    case 'unknown_connector':
    case 'unsupported_operation':
    case 'payload_too_large':
    case 'sign_in_state_unknown':
    case 'sign_in_state_replayed':
    case 'sign_in_state_expired':
    case 'sign_in_state_mismatch':
    case 'config_invalid':
    case 'internal':
      return 'server_error';
  }
}

/** RFC 6749 section 5.2's error body, with fedgate's own code. */
export interface TokenExchangeErrorBody {
  error: string;
  error_description: string;
  fedgate_error: TokenExchangeErrorCode;
}

/**
 * The HTTP answer to a refused exchange. The description is the error's
 * message, which fedgate's errors keep free of secrets; an unexpected
 * error gets a fixed text, never its own message.
 */
export function tokenExchangeErrorAnswer(error: unknown): {
  status: number;
  body: TokenExchangeErrorBody;
  retryAfterSeconds?: number;
} {
  const code = tokenExchangeErrorCode(error);
  const { error: oauthError, status } = TOKEN_EXCHANGE_ERRORS[code];
  const description =
    error instanceof FedgateError && code !== 'server_error'
      ? error.message
      : 'fedgate could not complete the exchange';
  const retry = error instanceof FedgateError ? error.retryAfterSeconds : undefined;
  return {
    status,
    body: { error: oauthError, error_description: description, fedgate_error: code },
    ...(retry === undefined ? {} : { retryAfterSeconds: retry }),
  };
}
