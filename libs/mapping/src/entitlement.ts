/**
 * One (account, permission set) an identity may use, with everything the
 * issuer needs already resolved and within AWS's limits.
 */
export interface Entitlement {
  accountId: string;
  accountName: string;
  partition: 'aws' | 'aws-cn' | 'aws-us-gov';
  backendId: string;
  permissionSet: string;
  description?: string;
  roleArn: string;
  /** The longest session this entitlement allows, in seconds. */
  sessionDurationSeconds: number;
  roleSessionName: string;
  sourceIdentity: string;
}

/** Why each assignment rule did or did not apply; the explain feature builds on it. */
export interface RuleTrace {
  rule: string;
  matched: boolean;
  reason: string;
  grants: { accountId: string; permissionSet: string }[];
}

export interface Evaluation {
  entitlements: Entitlement[];
  trace: RuleTrace[];
}
