import { ConfigError, type ConfigIssue } from '@fedgate/config';
import type { IssuanceConfig } from '../config/issuance.schema';
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

/** Where the issuer comes from: `issuance.webIdentity.issuer`, else `server.publicUrl`. */
function issuerSource(
  issuance: Pick<IssuanceConfig, 'webIdentity'>,
  publicUrl: string,
): { path: string; text: string } {
  const configured = issuance.webIdentity.issuer;
  return configured === undefined
    ? { path: 'server.publicUrl', text: publicUrl }
    : { path: 'issuance.webIdentity.issuer', text: configured };
}

/**
 * What is wrong with the issuer fedgate's web identity tokens would carry,
 * as config issues (empty when it is usable): it must be an http(s) URL
 * without a query or fragment, which OIDC forbids in an issuer. Run at
 * start-up and by `fedgate config validate`.
 */
export function webIdentityIssuerIssues(
  issuance: Pick<IssuanceConfig, 'webIdentity'>,
  publicUrl: string,
): ConfigIssue[] {
  const { path, text } = issuerSource(issuance, publicUrl);
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol)) {
    return [{ path, message: 'must be an http(s) URL: it is the issuer (iss) of the tokens fedgate signs' }];
  }
  const url = new URL(text);
  if (url.search !== '' || url.hash !== '' || text.includes('?') || text.includes('#')) {
    return [
      {
        path,
        message: 'must not have a query or fragment: it is the issuer (iss) of the tokens fedgate signs',
      },
    ];
  }
  return [];
}

/**
 * The issuer from `issuance.webIdentity.issuer`, else `publicUrl` (the
 * broker's `server.publicUrl`), without trailing slashes (OIDC discovery
 * appends `/.well-known/…` to it). An issuer webIdentityIssuerIssues
 * refuses throws a ConfigError naming where it is configured.
 */
export function resolveWebIdentitySettings(
  issuance: Pick<IssuanceConfig, 'webIdentity'>,
  publicUrl: string,
): WebIdentitySettings {
  const issues = webIdentityIssuerIssues(issuance, publicUrl);
  if (issues.length > 0) {
    throw ConfigError.invalid('the web identity settings', issues);
  }
  const { webIdentity } = issuance;
  return {
    issuer: issuerSource(issuance, publicUrl).text.replace(/\/+$/, ''),
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
