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
  'not_found',
  'unknown_connector',
  'unsupported_operation',
  'payload_too_large',
  'rate_limited',
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
  /** Operator-facing context (which connector, which phase, which check). */
  detail?: Record<string, unknown>;
}

export class FedgateError extends Error {
  readonly code: ErrorCode;
  readonly detail: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: FedgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FedgateError';
    this.code = code;
    this.detail = options.detail ?? {};
  }
}

export function isFedgateError(value: unknown): value is FedgateError {
  return value instanceof FedgateError;
}
