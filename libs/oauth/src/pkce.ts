import { createHash } from 'node:crypto';
import { OAuthError } from './oauth-error';
import { sameDigest } from './secrets';

/** RFC 7636: a verifier is 43–128 unreserved characters; an S256 challenge is 43 base64url characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The PKCE challenge of an authorization request. PKCE is required and only
 * S256 is accepted: `plain` would hand the verifier to anyone who sees the
 * authorization request.
 */
export function requireS256Challenge(challenge: string | undefined, method: string | undefined): string {
  if (challenge === undefined || challenge === '') {
    throw new OAuthError('invalid_request', 'code_challenge is required (PKCE with S256)');
  }
  if (method !== 'S256') {
    throw new OAuthError(
      'invalid_request',
      method === undefined || method === '' || method === 'plain'
        ? 'code_challenge_method must be S256; plain is not accepted'
        : 'code_challenge_method must be S256',
    );
  }
  if (!CHALLENGE.test(challenge)) {
    throw new OAuthError('invalid_request', 'code_challenge is not a base64url SHA-256 digest');
  }
  return challenge;
}

/** True when the verifier is the one the challenge was made from. */
export function verifierMatches(verifier: string | undefined, challenge: string): boolean {
  if (verifier === undefined || !VERIFIER.test(verifier)) {
    return false;
  }
  return sameDigest(createHash('sha256').update(verifier).digest('base64url'), challenge);
}
