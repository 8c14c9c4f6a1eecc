import type { IdTokenAlgorithm, OidcConnectorConfig } from './oidc-connector.config';

/** Where the identity's fields come from, after the preset's defaults. */
export interface ClaimPaths {
  username: string;
  email: string;
  displayName: string;
  groups: string | undefined;
  attributes: Record<string, string>;
}

/** A connector's effective settings: its config with the preset's defaults filled in. */
export interface OidcSettings {
  issuer: string;
  idTokenAlg: IdTokenAlgorithm;
  scopes: string[];
  claims: ClaimPaths;
  preset: OidcConnectorConfig['preset'];
}

const MICROSOFT_LOGIN = 'https://login.microsoftonline.com';

/**
 * Fills in what a preset knows about its provider: Google's issuer and that
 * its users are named by (verified) email; Entra ID's per-tenant v2.0
 * issuer and its `groups` claim. Anything set in the config wins.
 */
export function resolveOidcSettings(config: OidcConnectorConfig): OidcSettings {
  const preset = config.preset;
  const presetIssuer =
    preset?.name === 'google'
      ? 'https://accounts.google.com'
      : preset?.name === 'microsoft'
        ? `${MICROSOFT_LOGIN}/${preset.tenantId.toLowerCase()}/v2.0`
        : undefined;
  const issuer = config.issuer ?? presetIssuer;
  if (issuer === undefined) {
    // The schema requires one of them; this keeps the type honest.
    throw new Error(`connector ${config.id}: issuer is required`);
  }
  return {
    issuer,
    idTokenAlg: config.idTokenAlg ?? 'RS256',
    scopes: config.scopes ?? ['openid', 'email', 'profile'],
    claims: {
      username: config.claims.username ?? (preset?.name === 'google' ? 'email' : 'preferred_username'),
      email: config.claims.email,
      displayName: config.claims.displayName,
      groups: config.claims.groups ?? (preset?.name === 'microsoft' ? 'groups' : undefined),
      attributes: config.claims.attributes,
    },
    preset,
  };
}
