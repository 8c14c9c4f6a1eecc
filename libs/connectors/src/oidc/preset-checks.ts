import { FedgateError } from '@fedgate/core';
import type { Claims } from './claims';
import type { OidcSettings } from './oidc-settings';

/**
 * The checks a preset adds once the ID token is verified. Google: the
 * Workspace domain is the signed `hd` claim (a login hint or an email
 * domain proves nothing). Entra ID: the signed `tid` is the configured
 * tenant, and a groups overage (more groups than a token holds, announced
 * by `_claim_names.groups`) is refused rather than read as "no groups".
 */
export function checkPresetClaims(settings: OidcSettings, idToken: Claims, connectorId: string): void {
  const preset = settings.preset;
  if (preset === undefined) {
    return;
  }
  switch (preset.name) {
    case 'google': {
      if (preset.hostedDomains.length === 0) {
        return;
      }
      const hd = typeof idToken.hd === 'string' ? idToken.hd.toLowerCase() : undefined;
      if (hd === undefined || !preset.hostedDomains.some((domain) => domain.toLowerCase() === hd)) {
        throw refused(
          'hd',
          'This Google account does not belong to an allowed Google Workspace domain',
          connectorId,
          { hd: hd ?? null },
        );
      }
      return;
    }
    case 'microsoft': {
      const tid = typeof idToken.tid === 'string' ? idToken.tid.toLowerCase() : undefined;
      if (tid !== preset.tenantId.toLowerCase()) {
        throw refused('tid', 'This Microsoft account belongs to another organization (tenant)', connectorId, {
          tid: tid ?? null,
        });
      }
      const claimNames = idToken._claim_names;
      if (typeof claimNames === 'object' && claimNames !== null && 'groups' in claimNames) {
        throw refused(
          'groups-overage',
          'This account is in more groups than Entra ID puts in a token; ask the administrator to emit only the groups assigned to the application',
          connectorId,
          {},
        );
      }
      return;
    }
  }
}

function refused(
  check: string,
  message: string,
  connectorId: string,
  detail: Record<string, unknown>,
): FedgateError {
  return new FedgateError('assertion_invalid', message, {
    phase: 'oidc.id-token',
    detail: { connector: connectorId, check, ...detail },
  });
}
