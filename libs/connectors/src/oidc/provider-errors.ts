import { FedgateError } from '@fedgate/core';

/** The steps of an OpenID Connect sign-in, as `FedgateError.phase` names them. */
export type OidcPhase = 'oidc.discovery' | 'oidc.state' | 'oidc.token' | 'oidc.id-token' | 'oidc.userinfo';

interface LibraryError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  /** An error response's `error` (ResponseBodyError). */
  error?: unknown;
  status?: unknown;
  cause?: unknown;
}

const ID_TOKEN_CODES = new Set([
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_KEY_SELECTION_FAILED',
]);

/**
 * Turns what openid-client threw into a FedgateError with the phase and the
 * check that failed. Only the library's code, message and the provider's
 * OAuth `error` code are kept: its `cause` can hold response bodies, and
 * tokens never reach a log.
 */
export function providerError(error: unknown, phase: OidcPhase, connectorId: string): FedgateError {
  if (error instanceof FedgateError) {
    return error;
  }
  const failure = (typeof error === 'object' && error !== null ? error : {}) as LibraryError;
  const code = typeof failure.code === 'string' ? failure.code : undefined;
  // openid-client wraps oauth4webapi's error, which holds the precise message and the claim.
  const inner = (
    typeof failure.cause === 'object' && failure.cause !== null && 'code' in failure.cause
      ? failure.cause
      : failure
  ) as LibraryError;
  const message = typeof inner.message === 'string' ? inner.message : 'unknown error';
  const detail: Record<string, unknown> = {
    connector: connectorId,
    library: code ?? failure.name,
    reason: message,
  };
  if (typeof failure.error === 'string') {
    // The provider answered with an OAuth error (RFC 6749 5.2): it refused, it is not down.
    const oauthError = failure.error.replace(/[^\w.-]/g, '').slice(0, 64);
    const status = typeof failure.status === 'number' ? failure.status : undefined;
    if (status !== undefined && status >= 500) {
      return new FedgateError(
        'idp_unavailable',
        'The identity provider could not complete the sign-in; try again later',
        {
          phase,
          detail: { ...detail, check: 'provider-error', error: oauthError, status },
        },
      );
    }
    return new FedgateError(
      'assertion_invalid',
      `The identity provider refused the sign-in (${oauthError})`,
      {
        phase,
        detail: { ...detail, check: 'provider-error', error: oauthError },
      },
    );
  }
  if (code === undefined || isNetworkFailure(failure)) {
    return new FedgateError(
      'idp_unavailable',
      'The identity provider could not be reached; try again later',
      {
        phase,
        detail: { ...detail, check: 'reachable' },
      },
    );
  }
  const claim = claimOf(inner.cause);
  const idTokenProblem = ID_TOKEN_CODES.has(code) || /\bJWT\b|ID Token/.test(message);
  const effectivePhase: OidcPhase = idTokenProblem && phase === 'oidc.token' ? 'oidc.id-token' : phase;
  const check = claim ?? checkOf(message);
  if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_RESPONSE_IS_NOT_JSON') {
    return new FedgateError(
      'idp_unavailable',
      'The identity provider gave an unexpected answer; try again later',
      {
        phase: effectivePhase,
        detail: { ...detail, check },
      },
    );
  }
  return new FedgateError('assertion_invalid', messageFor(effectivePhase), {
    phase: effectivePhase,
    detail: { ...detail, check },
  });
}

function isNetworkFailure(failure: LibraryError): boolean {
  return (
    // openid-client's own timeout (the connector's `timeout`): the provider did not answer in time.
    failure.code === 'OAUTH_TIMEOUT' ||
    failure.name === 'AbortError' ||
    failure.name === 'TimeoutError' ||
    (failure.name === 'TypeError' && failure.message === 'fetch failed')
  );
}

function claimOf(cause: unknown): string | undefined {
  if (typeof cause === 'object' && cause !== null) {
    const { claim, attribute } = cause as { claim?: unknown; attribute?: unknown };
    if (typeof claim === 'string') {
      return claim;
    }
    if (typeof attribute === 'string') {
      return attribute;
    }
  }
  return undefined;
}

function checkOf(message: string): string {
  const named = /"(\w+)"/.exec(message);
  if (named?.[1] !== undefined) {
    return named[1];
  }
  return /signature/i.test(message) ? 'signature' : 'response';
}

function messageFor(phase: OidcPhase): string {
  switch (phase) {
    case 'oidc.discovery':
      return "The identity provider's configuration is not usable";
    case 'oidc.state':
      return "The identity provider's answer does not belong to this sign-in";
    case 'oidc.token':
      return 'The identity provider did not accept the sign-in code';
    case 'oidc.id-token':
      return "The identity provider's ID token is not acceptable";
    case 'oidc.userinfo':
      return "The identity provider's user information is not acceptable";
  }
}
