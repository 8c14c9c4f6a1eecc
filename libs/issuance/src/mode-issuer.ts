import type { Identity } from '@fedgate/core';
import type { Entitlement } from '@fedgate/mapping';
import type { IssuedCredentials } from './issued-credentials';

/**
 * One way of turning an entitlement into credentials (DESIGN §6.1):
 * AssumeRole, AssumeRoleWithWebIdentity or GetFederationToken. The caller
 * has already checked the entitlement and AWS's limits; an issuer only
 * talks to STS and maps its failures to FedgateErrors.
 */
export interface ModeIssuer {
  issue(entitlement: Entitlement, identity: Identity, requestedSeconds?: number): Promise<IssuedCredentials>;
}
