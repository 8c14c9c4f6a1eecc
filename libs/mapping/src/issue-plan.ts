import type { DurationPlan, Entitlement, IssuanceMode, SessionTag } from './entitlement';

/** What the plans of every mode hold: where, how long and why, the session's tags and policies. */
export interface IssuePlanCommon {
  accountId: string;
  accountName: string;
  partition: Entitlement['partition'];
  backendId: string;
  permissionSet: string;
  /** The session's length (`duration.seconds`, sent as DurationSeconds) and the limit that decided it. */
  duration: DurationPlan;
  sessionTags: SessionTag[];
  /** Inline session policy, compact JSON. */
  policy?: string;
  /** Managed session policy ARNs (≤ 10). */
  policyArns: string[];
  /** Where the console opens when the request names no destination. */
  consoleDestination?: string;
  /** The backend's console federation endpoint; the partition's when absent. */
  signinUrl?: string;
}

/** What the role modes add: the role, and the names and transitive keys of its session. */
export interface RoleSessionPlan extends IssuePlanCommon {
  roleArn: string;
  roleSessionName: string;
  sourceIdentity: string;
  /** A subset of sessionTags' keys. */
  transitiveTagKeys: string[];
}

/** AssumeRole with the broker's own credentials. */
export interface AssumeRolePlan extends RoleSessionPlan {
  mode: 'assume-role';
  /** The account's ExternalId, when configured. */
  externalId?: string;
}

/** AssumeRoleWithWebIdentity with a token fedgate signs (tags and SourceIdentity travel in it). */
export interface WebIdentityPlan extends RoleSessionPlan {
  mode: 'web-identity';
}

/** GetFederationToken with the backend IAM user's keys: no role, no SourceIdentity, no transitive keys. */
export interface FederationTokenPlan extends IssuePlanCommon {
  mode: 'federation-token';
  /** GetFederationToken's Name (2–32 characters). */
  federatedUserName: string;
}

/**
 * Everything one issuance sends, for exactly one mode: built by planIssue
 * from an entitlement that passed every check, read by the issuer of its
 * mode, the credential cache's key and the console sign-in. Nothing after
 * the mapping plans again.
 */
export type IssuePlan = AssumeRolePlan | WebIdentityPlan | FederationTokenPlan;

/** The plan of one mode. */
export type IssuePlanOf<M extends IssuanceMode> = Extract<IssuePlan, { mode: M }>;
