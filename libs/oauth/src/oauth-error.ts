/** The error codes of RFC 6749 section 5.2 and RFC 8628 section 3.5 that fedgate answers with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_token_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'temporarily_unavailable';

/**
 * A refusal in OAuth's terms: `error` and a description that is safe to
 * show (never a token). The broker answers it as RFC 6749's JSON error body;
 * `detail` is for the audit trail only.
 */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(description);
    this.name = 'OAuthError';
  }

  /** The HTTP status RFC 6749 section 5.2 gives the error. */
  get status(): number {
    switch (this.error) {
      case 'invalid_client':
        return 401;
      case 'temporarily_unavailable':
        return 503;
      case 'invalid_request':
      case 'invalid_grant':
      case 'unauthorized_client':
      case 'unsupported_grant_type':
      case 'unsupported_token_type':
      case 'invalid_scope':
      case 'access_denied':
      case 'authorization_pending':
      case 'slow_down':
      case 'expired_token':
        return 400;
    }
  }

  /** The JSON body: `{error, error_description}`. */
  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
