import type { Identity } from '@fedgate/core';
import type { Entitlement, IssuanceMode } from '@fedgate/mapping';
import { AssumeRoleIssuer } from './assume-role-issuer';
import type { IssuedCredentials } from './issued-credentials';
import type { ModeIssuer } from './mode-issuer';

/** Where a response's credentials came from, for audit and metrics. */
export type CredentialSourceKind = 'cache' | 'issued' | 'coalesced';

/** What Issuance needs of a credential cache (libs/issuance/src/cache). */
export interface CredentialCacheLike {
  getOrIssue(
    key: string,
    issue: () => Promise<IssuedCredentials>,
  ): Promise<{ credentials: IssuedCredentials; source: CredentialSourceKind }>;
}

export interface IssuanceOptions {
  issuers: Readonly<Record<IssuanceMode, ModeIssuer>>;
  /** Absent when issuance.cache.enabled is false: every request then calls STS. */
  cache?: {
    store: CredentialCacheLike;
    keyOf: (identity: Identity, entitlement: Entitlement, durationSeconds: number) => string;
  };
}

/**
 * Credentials for a checked entitlement: by the entitlement's mode, through
 * the cache when there is one, so identical requests share one STS call.
 */
export class Issuance {
  constructor(private readonly options: IssuanceOptions) {}

  async credentials(
    identity: Identity,
    entitlement: Entitlement,
    requestedSeconds?: number,
  ): Promise<{ credentials: IssuedCredentials; source: CredentialSourceKind }> {
    const issuer = this.options.issuers[entitlement.mode ?? 'assume-role'];
    const issue = (): Promise<IssuedCredentials> => issuer.issue(entitlement, identity, requestedSeconds);
    const cache = this.options.cache;
    if (cache === undefined) {
      return { credentials: await issue(), source: 'issued' };
    }
    // The planned duration is part of the key: a request for 1h never gets a cached 8h session.
    const seconds = AssumeRoleIssuer.plannedDuration(entitlement, requestedSeconds);
    return cache.store.getOrIssue(cache.keyOf(identity, entitlement, seconds), issue);
  }
}
