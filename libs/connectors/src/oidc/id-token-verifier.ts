import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { FedgateError } from '@fedgate/core';
import type { IdTokenAlgorithm } from './oidc-connector.config';
import type { ProviderKeys } from './provider-keys';

export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  algorithm: IdTokenAlgorithm;
  /** The nonce sent in the authorization request; undefined for a refreshed ID token. */
  nonce: string | undefined;
  /** On refresh: the subject the session was signed in with (OpenID Connect Core 12.2). */
  subject?: string;
  clockSkewSeconds: number;
  now: () => number;
}

/**
 * Verifies an ID token the way OpenID Connect Core 3.1.3.7 asks, without
 * relying on the client library: the signature against the provider's
 * JWKS with the connector's one pinned algorithm (never `none`, never an
 * HMAC keyed with a public key), then `iss`, `aud`, `azp` (required when
 * there are several audiences), `exp`, `iat` (not in the future beyond the
 * skew), `nonce` and `sub`. Each refusal names its check in `detail.check`.
 */
export async function verifyIdToken(
  idToken: string,
  keys: ProviderKeys,
  expected: IdTokenExpectations,
): Promise<JWTPayload> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(idToken).alg;
  } catch {
    throw refused('format', 'The ID token is malformed');
  }
  if (alg !== expected.algorithm) {
    throw refused('alg', `The ID token is not signed with the expected algorithm`, {
      expected: expected.algorithm,
      received: alg ?? 'none',
    });
  }
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(idToken, keys.getKey, {
      algorithms: [expected.algorithm],
      currentDate: new Date(expected.now()),
      clockTolerance: expected.clockSkewSeconds,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
    }));
  } catch (error) {
    throw joseRefusal(error);
  }
  const nowSeconds = expected.now() / 1000;
  if (claims.iss !== expected.issuer) {
    throw refused('iss', 'The ID token was issued by another provider', { expected: expected.issuer });
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(expected.clientId)) {
    throw refused('aud', 'The ID token was issued for another application');
  }
  if ((audiences.length > 1 || claims.azp !== undefined) && claims.azp !== expected.clientId) {
    throw refused('azp', 'The ID token was issued to another authorized party');
  }
  if (typeof claims.exp !== 'number' || claims.exp + expected.clockSkewSeconds <= nowSeconds) {
    throw refused('exp', 'The ID token has expired');
  }
  if (typeof claims.iat !== 'number' || claims.iat - expected.clockSkewSeconds > nowSeconds) {
    throw refused('iat', 'The ID token claims to be issued in the future; check the clocks');
  }
  if (expected.nonce !== undefined && claims.nonce !== expected.nonce) {
    throw refused('nonce', 'The ID token does not belong to this sign-in');
  }
  if (typeof claims.sub !== 'string' || claims.sub === '') {
    throw refused('sub', 'The ID token names no subject');
  }
  if (expected.subject !== undefined && claims.sub !== expected.subject) {
    throw refused('sub', 'The refreshed ID token names another user');
  }
  return claims;
}

function joseRefusal(error: unknown): FedgateError {
  if (error instanceof FedgateError) {
    return error;
  }
  if (error instanceof errors.JWTExpired) {
    return refused('exp', 'The ID token has expired');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return refused(error.claim, `The ID token's "${error.claim}" claim is not acceptable`, {
      reason: error.reason,
    });
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return refused('kid', 'The ID token is signed with a key the identity provider does not publish');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return refused('alg', 'The ID token is not signed with the expected algorithm');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return refused('signature', 'The ID token signature is not valid');
  }
  return refused('format', 'The ID token is malformed', {
    reason: error instanceof Error ? error.name : 'unknown',
  });
}

function refused(check: string, message: string, detail: Record<string, unknown> = {}): FedgateError {
  return new FedgateError('assertion_invalid', message, {
    phase: 'oidc.id-token',
    detail: { check, ...detail },
  });
}
