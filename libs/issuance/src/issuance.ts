import type { Identity } from '@fedgate/core';
import type { IssuanceMode, IssuePlan, IssuePlanOf } from '@fedgate/mapping';
import type { IssuedCredentials } from './issued-credentials';
import type { ModeIssuers } from './mode-issuer';

/** Where a response's credentials came from, for audit and metrics. */
export type CredentialSourceKind = 'cache' | 'issued' | 'coalesced';

/** What Issuance needs of a credential cache (libs/issuance/src/cache). */
export interface CredentialCacheLike {
  getOrIssue(
    key: string,
    issue: () => Promise<IssuedCredentials>,
    /** Whose credentials they are, so a revocation can purge them (libs/issuance/src/cache). */
    owner?: Pick<Identity, 'connectorId' | 'subject' | 'username'>,
  ): Promise<{ credentials: IssuedCredentials; source: CredentialSourceKind }>;
}

export interface IssuanceOptions {
  issuers: ModeIssuers;
  /** Absent when issuance.cache.enabled is false: every request then calls STS. */
  cache?: {
    store: CredentialCacheLike;
    /** The plan's cache key (credentialCacheKey, or a scoped one). */
    keyOf: (identity: Pick<Identity, 'connectorId' | 'subject'>, plan: IssuePlan) => string;
  };
}

/**
 * Executes plans: credentials by the plan's mode, through the cache when
 * there is one, so identical plans share one STS call. It plans nothing:
 * the duration and every parameter sent are the plan's.
 */
export class Issuance {
  constructor(private readonly options: IssuanceOptions) {}

  async credentials(
    plan: IssuePlan,
    identity: Identity,
  ): Promise<{ credentials: IssuedCredentials; source: CredentialSourceKind }> {
    const issue = (): Promise<IssuedCredentials> => issueBy(this.options.issuers, plan, identity);
    const cache = this.options.cache;
    if (cache === undefined) {
      return { credentials: await issue(), source: 'issued' };
    }
    return cache.store.getOrIssue(cache.keyOf(identity, plan), issue, identity);
  }
}

/** Hands a plan to its mode's issuer (the registry's mapped type keeps the two in step). */
function issueBy<M extends IssuanceMode>(
  issuers: ModeIssuers,
  plan: IssuePlanOf<M> & { mode: M },
  identity: Identity,
): Promise<IssuedCredentials> {
  return issuers[plan.mode].issue(plan, identity);
}
