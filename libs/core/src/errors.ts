/**
 * The one error type fedgate's libraries throw for conditions a caller must
 * handle. `code` is stable and machine-readable; apps/broker maps each code to
 * an HTTP status in one exhaustive switch. `message` is safe to show to the
 * client: never put a secret in it. `detail` is for operators (logs, audit)
 * and must not hold secrets either; `cause` keeps the underlying error.
 */
export const ERROR_CODES = [
  'invalid_request',
  'invalid_credentials',
  'unauthenticated',
  'csrf_rejected',
  'not_entitled',
  'access_revoked',
  'not_found',
  'unknown_connector',
  'unsupported_operation',
  'payload_too_large',
  'rate_limited',
  'sign_in_state_unknown',
  'sign_in_state_replayed',
  'sign_in_state_expired',
  'sign_in_state_mismatch',
  'assertion_invalid',
  'sts_denied',
  'sts_rejected',
  'upstream_unavailable',
  'upstream_throttled',
  'idp_unavailable',
  'store_unavailable',
  'config_invalid',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FedgateErrorOptions {
  /** The underlying error; kept for logs, never sent to clients. */
  cause?: unknown;
  /** Operator-facing context (which connector, which check); never sent to clients. */
  detail?: Record<string, unknown>;
  /**
   * Which step failed, as `<area>.<step>` (`ldap.search`, `ldap.bind`, `redirect.state`,
   * `sts.assume-role`): logged and audited so an operator sees where a sign-in or an
   * issuance stopped. Never sent to clients.
   */
  phase?: string;
  /** When the client may try again, in seconds: the one piece besides the message it is shown (Retry-After). */
  retryAfterSeconds?: number;
}

export class FedgateError extends Error {
  readonly code: ErrorCode;
  readonly detail: Record<string, unknown>;
  readonly phase: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: FedgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FedgateError';
    this.code = code;
    this.detail = options.detail ?? {};
    this.phase = options.phase;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isFedgateError(value: unknown): value is FedgateError {
  return value instanceof FedgateError;
}
