import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { FedgateError } from '@fedgate/core';
import type { KeyResolver } from './issuer-keys';
import type { JwtAlgorithm } from './jwt-connector.config';
import { tokenRefusal } from './token-refusal';

export interface TokenExpectations {
  issuer: string;
  audience: string;
  algorithms: readonly JwtAlgorithm[];
  maxTokenAgeSeconds: number;
  clockSkewSeconds: number;
  /** Milliseconds since the epoch. */
  now: () => number;
}

/** The largest token fedgate reads; anything longer is refused before it is parsed. */
const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * Verifies a JWT from a trusted issuer, each refusal naming its check:
 * the header's `alg` must be one of the pinned algorithms (checked before
 * any key is used, so `none` and HS* never reach a verifier), then the
 * signature against the issuer's keys, then `iss`, `aud`, `exp` (required),
 * `nbf`, `iat` (required: not in the future, not older than the maximum
 * age), all with the clock skew. Returns the verified claims.
 */
export async function verifyToken(
  token: string,
  keys: KeyResolver,
  expected: TokenExpectations,
): Promise<JWTPayload> {
  if (token.length > MAX_TOKEN_LENGTH || token.split('.').length !== 3) {
    throw tokenRefusal('format', 'The token is not a signed JWT (JWS compact serialization)');
  }
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw tokenRefusal('format', 'The token is not a signed JWT (JWS compact serialization)');
  }
  if (alg === undefined || !(expected.algorithms as readonly string[]).includes(alg)) {
    throw tokenRefusal('alg', `The token is signed with an algorithm this issuer is not allowed to use`, {
      allowed: expected.algorithms,
      received: alg ?? 'none',
    });
  }
  const options = {
    algorithms: [...expected.algorithms],
    currentDate: new Date(expected.now()),
    clockTolerance: expected.clockSkewSeconds,
  };
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, keys, options));
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) {
      throw joseRefusal(error);
    }
    claims = await verifyWithEach(token, error, options);
  }
  checkClaims(claims, expected);
  return claims;
}

/**
 * Several keys fit a token without `kid` (static keys of one type): jose
 * hands them over as an async iterator; the token is good when one of them
 * verifies it.
 */
async function verifyWithEach(
  token: string,
  candidates: errors.JWKSMultipleMatchingKeys,
  options: Parameters<typeof jwtVerify>[2],
): Promise<JWTPayload> {
  let last: unknown = candidates;
  for await (const key of candidates) {
    try {
      return (await jwtVerify(token, key, options)).payload;
    } catch (error) {
      last = error;
      if (!(error instanceof errors.JWSSignatureVerificationFailed)) {
        break;
      }
    }
  }
  throw joseRefusal(last);
}

function checkClaims(claims: JWTPayload, expected: TokenExpectations): void {
  const nowSeconds = expected.now() / 1000;
  const skew = expected.clockSkewSeconds;
  if (claims.iss !== expected.issuer) {
    throw tokenRefusal('issuer', 'The token was issued by another issuer', { expected: expected.issuer });
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
  if (!audiences.includes(expected.audience)) {
    throw tokenRefusal('audience', 'The token was issued for another audience', {
      expected: expected.audience,
    });
  }
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
    throw tokenRefusal('missing_claim', 'The token has no expiry (exp); tokens without one are refused', {
      claim: 'exp',
    });
  }
  if (claims.exp + skew <= nowSeconds) {
    throw tokenRefusal('expired', 'The token has expired');
  }
  if (typeof claims.nbf === 'number' && claims.nbf - skew > nowSeconds) {
    throw tokenRefusal('not_yet_valid', 'The token is not valid yet (nbf); check the clocks');
  }
  if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) {
    throw tokenRefusal('missing_claim', 'The token has no issue time (iat)', { claim: 'iat' });
  }
  if (claims.iat - skew > nowSeconds) {
    throw tokenRefusal('not_yet_valid', 'The token claims to be issued in the future; check the clocks');
  }
  if (nowSeconds - claims.iat > expected.maxTokenAgeSeconds + skew) {
    throw tokenRefusal('too_old', 'The token was issued too long ago; get a fresh one', {
      maxTokenAgeSeconds: expected.maxTokenAgeSeconds,
    });
  }
}

function joseRefusal(error: unknown): FedgateError {
  if (error instanceof FedgateError) {
    return error;
  }
  if (error instanceof errors.JWTExpired) {
    return tokenRefusal('expired', 'The token has expired');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'nbf'
      ? tokenRefusal('not_yet_valid', 'The token is not valid yet (nbf); check the clocks')
      : tokenRefusal('format', `The token's "${error.claim}" claim is not acceptable`, {
          claim: error.claim,
        });
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return tokenRefusal('alg', 'The token is signed with an algorithm this issuer is not allowed to use');
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return tokenRefusal('signature', "The token signature does not verify with the issuer's keys");
  }
  return tokenRefusal('format', 'The token is not a signed JWT (JWS compact serialization)', {
    reason: error instanceof Error ? error.name : 'unknown',
  });
}
