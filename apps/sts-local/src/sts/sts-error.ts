/** Every error code sts-local answers with, and its HTTP status (docs/sts-local.md, botocore's STS model). */
export const STS_ERROR_STATUS = {
  AccessDenied: 403,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  ExpiredToken: 403,
  IncompleteSignature: 400,
  MissingAuthenticationToken: 403,
  ValidationError: 400,
  InvalidParameterValue: 400,
  MalformedPolicyDocument: 400,
  PackedPolicyTooLarge: 400,
  RegionDisabledException: 403,
  InvalidIdentityToken: 400,
  ExpiredTokenException: 400,
  IDPRejectedClaim: 403,
  IDPCommunicationError: 400,
  InvalidAction: 400,
  Throttling: 400,
  InternalFailure: 500,
} as const;

/** An STS error code sts-local sends. */
export type StsErrorCode = keyof typeof STS_ERROR_STATUS;

/**
 * A request STS refuses: rendered as the ErrorResponse XML with this code,
 * message and status. Messages follow AWS's wording and never contain a
 * secret (they may name ARNs and key ids, as AWS's do).
 */
export class StsError extends Error {
  readonly code: StsErrorCode;
  readonly status: number;

  constructor(code: StsErrorCode, message: string) {
    super(message);
    this.name = 'StsError';
    this.code = code;
    this.status = STS_ERROR_STATUS[code];
  }
}

/** AWS's wording for a parameter that breaks the API model's constraints. */
export function validationError(field: string, constraint: string, value?: string | null): StsError {
  // `null` is AWS's text for a missing parameter; long values (policies) are not echoed at all.
  const shown = value === null ? ' null' : value === undefined ? '' : ` '${value}'`;
  return new StsError(
    'ValidationError',
    `1 validation error detected: Value${shown} at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}
