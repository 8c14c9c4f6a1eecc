import type { ConfigIssue } from '@fedgate/config';
import { webIdentityIssuerIssues } from '../web-identity/discovery';
import { signingKeyIssues } from '../web-identity/signing-keys';
import type { IssuanceConfig } from './issuance.schema';

/**
 * What the broker would refuse at start-up in the `issuance` section,
 * beyond its schema: web identity signing keys it cannot use (not PEM,
 * encrypted, not RSA, under 2048 bits, repeated) and an unusable token
 * issuer (`publicUrl` is the broker's `server.publicUrl`, the issuer's
 * default). Empty when issuance can start. Messages never contain key
 * material.
 */
export function issuanceStartupIssues(issuance: IssuanceConfig, publicUrl: string): ConfigIssue[] {
  return [
    ...signingKeyIssues(issuance.webIdentity.signingKeys),
    ...webIdentityIssuerIssues(issuance, publicUrl),
  ];
}
