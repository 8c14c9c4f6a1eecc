/** One session tag as fedgate sends it (STS `Tags.member.N`). */
export interface SessionTag {
  key: string;
  value: string;
}

/** How credentials are issued for an entitlement (docs/issuance.md). */
export type IssuanceMode = 'assume-role' | 'web-identity' | 'federation-token';

/** Which limit decided a session's length. */
export type DurationLimit =
  'requested' | 'permission-set' | 'role-maximum' | 'role-chaining' | 'aws-minimum' | 'aws-maximum';

/** The session length fedgate will ask for, and why it is that long. */
export interface DurationPlan {
  seconds: number;
  limitedBy: DurationLimit;
  /** For people: "1h: role chaining caps sessions at 1h". */
  explanation: string;
  /** What the caller asked for, when it asked (before any limit). */
  requestedSeconds?: number;
}

/** Which AWS limit an entitlement's request would break. */
export type LimitKind =
  | 'tag-count'
  | 'tag-key'
  | 'tag-value'
  | 'transitive-tag-keys'
  | 'policy-characters'
  | 'policy-size'
  | 'policy-arns'
  | 'session-name';

/** One AWS limit the request would break; issuing is refused while any exists. */
export interface LimitViolation {
  limit: LimitKind;
  message: string;
}

/**
 * One (account, permission set) an identity may use, as evaluate resolves
 * it: the STS request's parameters (role, names, tags, policies, duration),
 * each built from validated values and checked against AWS's limits
 * (docs/mapping.md). `violations` lists what AWS would refuse; nothing is
 * issued while it is non-empty, and nothing is dropped to make it fit.
 * This is the listing and explain shape (`/api/v1/entitlements`, `fedgate
 * mapping explain`); what an issuer sends is the narrower IssuePlan of its
 * mode (issue-plan.ts), built by planIssue.
 */
export interface Entitlement {
  accountId: string;
  accountName: string;
  partition: 'aws' | 'aws-cn' | 'aws-us-gov';
  backendId: string;
  permissionSet: string;
  description?: string;
  mode: IssuanceMode;
  /** The role to assume; empty for mode federation-token, which has no role. */
  roleArn: string;
  /** The session's planned length in seconds (durationPlan.seconds). */
  sessionDurationSeconds: number;
  durationPlan: DurationPlan;
  roleSessionName: string;
  sourceIdentity: string;
  /** GetFederationToken's Name (2–32 characters), used by mode federation-token. */
  federatedUserName: string;
  /** AssumeRole's ExternalId for this account (mode assume-role), when configured. */
  externalId?: string;
  sessionTags: SessionTag[];
  /** A subset of sessionTags' keys (never for federation-token). */
  transitiveTagKeys: string[];
  /** Inline session policy, compact JSON, placeholders filled in. */
  policy?: string;
  /** Managed session policy ARNs (≤ 10). */
  policyArns: string[];
  requireMfa: boolean;
  maxAuthAgeSeconds?: number;
  consoleDestination?: string;
  /** What the compiler changed to fit AWS (replaced characters, omitted tags), for explain and audit. */
  notes: string[];
  violations: LimitViolation[];
}

/** One condition of a rule, as evaluated. */
export interface ConditionTrace {
  condition: string;
  passed: boolean;
  detail: string;
}

/** Why each assignment rule did or did not apply; explain builds on it. */
export interface RuleTrace {
  rule: string;
  effect: 'allow' | 'deny';
  matched: boolean;
  /** One line: the failing condition, or every condition that held. */
  reason: string;
  /** Conditions in evaluation order, up to the first that failed. */
  conditions: ConditionTrace[];
  /** What the rule allows (effect allow) or removes (effect deny) when matched. */
  grants: { accountId: string; permissionSet: string }[];
}

/** The outcome for one (account, permission set) that some matching rule named. */
export interface GrantDecision {
  accountId: string;
  accountName: string;
  permissionSet: string;
  outcome: 'granted' | 'denied' | 'withheld';
  allowedBy: string[];
  deniedBy: string[];
  reason: string;
}

/** The result of evaluate: entitlements, and the trace that explains them. */
export interface Evaluation {
  entitlements: Entitlement[];
  trace: RuleTrace[];
  decisions: GrantDecision[];
}
