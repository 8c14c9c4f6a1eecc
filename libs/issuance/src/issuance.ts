import type { Identity } from '@fedgate/core';
import type { IssuanceMode, IssuePlan, IssuePlanOf } from '@fedgate/mapping';
import type { CacheLookup } from './cache/credential-cache';
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
    /** The read lookup() started for this key, served instead of a read of its own. */
    lookup?: CacheLookup,
  ): Promise<{ credentials: IssuedCredentials; source: CredentialSourceKind }>;
  /** Starts the read of the key's entry before returning (CredentialCache.lookup); without it, nothing is read early. */
  lookup?(key: string): CacheLookup;
}

/**
 * A credential cache read started for one plan and identity (Issuance.lookup), which
 * Issuance.credentials serves for that same plan and identity. Opaque.
 */
export interface CredentialsLookup {
  readonly plan: IssuePlan;
  readonly identity: Identity;
}

class StartedCredentialsLookup implements CredentialsLookup {
  constructor(
    readonly plan: IssuePlan,
    readonly identity: Identity,
    readonly key: string,
    readonly read: CacheLookup,
  ) {}
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

  /**
   * Starts reading the plan's cache entry: the store command is issued before this returns, so a
   * caller that has just issued another one (its rate limit) sends both at once, then serves the
   * read with credentials(plan, identity, lookup) once it may, or drops it (a failed read it
   * holds is never an unhandled rejection). Undefined when there is no cache or the cache cannot
   * read early. Throws what credentials() would reject with when the plan has no cache key.
   */
  lookup(plan: IssuePlan, identity: Identity): CredentialsLookup | undefined {
    const cache = this.options.cache;
    if (cache?.store.lookup === undefined) {
      return undefined;
    }
    const key = cache.keyOf(identity, plan);
    return new StartedCredentialsLookup(plan, identity, key, cache.store.lookup(key));
  }

  /**
   * The plan's credentials: from the cache when it holds them, else issued (and cached). With a
   * `lookup` (lookup(), for this same plan and identity object), its read is the first look at
   * the cache.
   */
  async credentials(
    plan: IssuePlan,
    identity: Identity,
    lookup?: CredentialsLookup,
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
    if (lookup === undefined) {
      return cache.store.getOrIssue(cache.keyOf(identity, plan), issue, identity);
    }
    if (!(
      lookup instanceof StartedCredentialsLookup &&
      lookup.plan === plan &&
      lookup.identity === identity
    )) {
      throw new RangeError('the lookup must come from lookup() for the same plan and identity');
    }
    return cache.store.getOrIssue(lookup.key, issue, identity, lookup.read);
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
