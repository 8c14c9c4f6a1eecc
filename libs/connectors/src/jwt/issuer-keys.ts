import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createLocalJWKSet, type JWK, type JWTVerifyGetKey } from 'jose';
import { FedgateError } from '@fedgate/core';
import { ProviderKeys } from '../oidc/provider-keys';

/** The resolver jose's jwtVerify calls with a token's header. */
export type KeyResolver = (...args: Parameters<JWTVerifyGetKey>) => ReturnType<JWTVerifyGetKey>;

/**
 * The issuer's verification keys: fetched from its JWKS URL and cached
 * (the oidc connector's ProviderKeys: one refetch for an unknown `kid`,
 * rate-limited; an unreachable URL is `idp_unavailable`), or the static
 * public keys of the config. A failure to fetch is reported under this
 * connector's phase, never as a bad signature.
 */
export function issuerKeys(
  source: { jwksUrl: string } | { keys: readonly string[] },
  options: { timeoutMs: number; now: () => number },
): KeyResolver {
  if ('keys' in source) {
    const jwks = { keys: source.keys.map(publicJwk) };
    const select = createLocalJWKSet(jwks);
    // A PEM key has no kid, and jose matches a token's kid only with keys that have it: every
    // configured key is trusted, so a kid none of them carries selects among all of them.
    return (header, token) =>
      select(
        header.kid !== undefined && jwks.keys.some((key) => key.kid === header.kid)
          ? header
          : { ...header, kid: undefined },
        token,
      );
  }
  const provider = new ProviderKeys(source.jwksUrl, options);
  return async (...args) => {
    try {
      return await provider.getKey(...args);
    } catch (error) {
      if (error instanceof FedgateError && error.code === 'idp_unavailable') {
        throw new FedgateError(
          'idp_unavailable',
          "The token issuer's keys could not be fetched; try again later",
          {
            phase: 'jwt.keys',
            detail: { ...error.detail },
            cause: error,
          },
        );
      }
      throw error;
    }
  };
}

/** A PEM or JWK text (already validated by the config schema) as a public JWK, keeping its `kid`. */
function publicJwk(text: string): JWK {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const jwk = JSON.parse(trimmed) as JsonWebKey;
    const exported = createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'jwk' });
    return { ...exported, kty: exported.kty ?? '', ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}) };
  }
  const exported = createPublicKey(trimmed).export({ format: 'jwk' });
  return { ...exported, kty: exported.kty ?? '' };
}
