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

/**
 * Where the role and SourceIdentity of credentials issued to a user are
 * recorded until they expire (libs/sessions' UserIndex), so a revocation can
 * name them for the AWS side (docs/operations/revocation.md).
 */
export interface IssuedCredentialsRecord {
  recordIssued(
    owner: Pick<Identity, 'connectorId' | 'subject' | 'username'>,
    issued: { roleArn: string; sourceIdentity: string },
    ttlMs: number,
  ): Promise<void>;
}

export interface IssuanceOptions {
  issuers: ModeIssuers;
  /** Records each role session issued (none: a revocation names only the roles of what it ended). */
  issuedTo?: IssuedCredentialsRecord;
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
    const issue = async (): Promise<IssuedCredentials> => {
      const credentials = await issueBy(this.options.issuers, plan, identity);
      await this.recordIssued(plan, identity, credentials);
      return credentials;
    };
    const cache = this.options.cache;
    if (cache === undefined) {
      return { credentials: await issue(), source: 'issued' };
    }
    return cache.store.getOrIssue(cache.keyOf(identity, plan), issue, identity);
  }

  /**
   * Before the credentials are handed out or cached: a store that cannot
   * record them fails the request (fail closed), as any store failure does.
   * A federated user's credentials have no role to deny, so nothing is kept.
   */
  private async recordIssued(
    plan: IssuePlan,
    identity: Identity,
    credentials: IssuedCredentials,
  ): Promise<void> {
    const record = this.options.issuedTo;
    if (record === undefined || plan.mode === 'federation-token') {
      return;
    }
    // The store measures TTLs against the real clock, as STS sets expiry.
    const ttlMs = credentials.expiration.getTime() - Date.now();
    if (ttlMs > 0) {
      await record.recordIssued(
        identity,
        { roleArn: plan.roleArn, sourceIdentity: plan.sourceIdentity },
        ttlMs,
      );
    }
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
