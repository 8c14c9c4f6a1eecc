import { ConfigError, type IssuanceConfig, type ServerConfig } from '@fedgate/config';
import { WEB_IDENTITY_ALGORITHM } from './signing-keys';

/** The claim AWS reads session tags and transitive tag keys from. */
export const AWS_TAGS_CLAIM = 'https://aws.amazon.com/tags';
/** The claim AWS reads SourceIdentity from. */
export const AWS_SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';

/** Where the two discovery documents are served, relative to the issuer. */
export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/.well-known/jwks.json';

/** Every claim fedgate puts in its tokens, as the discovery document lists them. */
export const WEB_IDENTITY_CLAIMS = [
  'iss',
  'sub',
  'aud',
  'iat',
  'nbf',
  'exp',
  'jti',
  AWS_TAGS_CLAIM,
  AWS_SOURCE_IDENTITY_CLAIM,
] as const;

/** How fedgate's web identity tokens are made, resolved from the config. */
export interface WebIdentitySettings {
  /** The tokens' `iss`: no trailing slash; the IAM OIDC provider's URL. */
  issuer: string;
  /** The tokens' `aud`: a client id of the IAM OIDC provider. */
  audience: string;
  tokenLifetimeSeconds: number;
}

/**
 * The issuer from `issuance.webIdentity.issuer`, else `server.publicUrl`,
 * without trailing slashes (OIDC discovery appends `/.well-known/…` to it).
 * An issuer with a query or fragment is refused: OIDC forbids both.
 */
export function resolveWebIdentitySettings(config: {
  server: Pick<ServerConfig, 'publicUrl'>;
  issuance: Pick<IssuanceConfig, 'webIdentity'>;
}): WebIdentitySettings {
  const { webIdentity } = config.issuance;
  const configured = webIdentity.issuer;
  const path = configured === undefined ? 'server.publicUrl' : 'issuance.webIdentity.issuer';
  const text = configured ?? config.server.publicUrl;
  const url = new URL(text);
  if (url.search !== '' || url.hash !== '' || text.includes('?') || text.includes('#')) {
    throw ConfigError.invalid('the web identity settings', [
      {
        path,
        message: 'must not have a query or fragment: it is the issuer (iss) of the tokens fedgate signs',
      },
    ]);
  }
  return {
    issuer: text.replace(/\/+$/, ''),
    audience: webIdentity.audience,
    tokenLifetimeSeconds: webIdentity.tokenLifetime,
  };
}

/** The document served at `/.well-known/openid-configuration`. */
export interface OpenIdConfigurationDocument {
  issuer: string;
  jwks_uri: string;
  response_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
  claims_supported: string[];
}

/** OIDC discovery metadata for fedgate as a token issuer (just what IAM and verifiers read). */
export function openIdConfiguration(issuer: string): OpenIdConfigurationDocument {
  return {
    issuer,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [WEB_IDENTITY_ALGORITHM],
    claims_supported: [...WEB_IDENTITY_CLAIMS],
  };
}
