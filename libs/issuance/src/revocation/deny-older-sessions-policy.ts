import { IAM_NAME, type Partition, roleArnPattern } from '@fedgate/aws';

/**
 * The inline role policy that ends a role's sessions issued before an
 * instant, the same document as the IAM console's "Revoke active sessions":
 * every request signed with credentials whose `aws:TokenIssueTime` is before
 * the instant is denied, whoever they were issued to. Scoped to one
 * `aws:SourceIdentity`, it denies only that user's older sessions.
 */
export const DENY_OLDER_SESSIONS_POLICY_NAME = 'FedgateRevokeOlderSessions';

/** Whose older sessions the policy denies: everyone's on the role, or one source identity's. */
export type DenyOlderSessionsScope = 'role' | 'source-identity';

export const DENY_OLDER_SESSIONS_SCOPES: readonly DenyOlderSessionsScope[] = ['role', 'source-identity'];

export interface DenyOlderSessionsPolicy {
  /** The inline policy's name on each role. */
  policyName: string;
  /** The policy document (an IAM policy, as an object). */
  document: {
    Version: '2012-10-17';
    Statement: [
      {
        Effect: 'Deny';
        Action: '*';
        Resource: '*';
        Condition: {
          DateLessThan: { 'aws:TokenIssueTime': string };
          StringEquals?: { 'aws:SourceIdentity': string };
        };
      },
    ];
  };
}

/** A SourceIdentity as AWS accepts one: 2–64 characters of `[\w+=,.@-]`. */
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;

/**
 * The deny-older-sessions policy for sessions issued before `issuedBefore`
 * (an ISO 8601 time). With a `sourceIdentity`, only that identity's sessions
 * are denied, and the policy gets a name of its own
 * (`FedgateRevokeOlderSessions-<identity>`), so revoking a second user does
 * not replace the first one's policy. Throws on an invalid time or source
 * identity: nothing is built from a value AWS would read otherwise.
 */
export function denyOlderSessionsPolicy(
  issuedBefore: string,
  sourceIdentity?: string,
): DenyOlderSessionsPolicy {
  const instant = new Date(issuedBefore);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(issuedBefore) || Number.isNaN(instant.getTime())) {
    throw new Error(`issuedBefore must be an ISO 8601 time, got ${JSON.stringify(issuedBefore)}`);
  }
  if (sourceIdentity !== undefined && !SOURCE_IDENTITY.test(sourceIdentity)) {
    throw new Error(
      `the source identity ${JSON.stringify(sourceIdentity)} is not one AWS accepts (2–64 characters of letters, digits and _+=,.@-)`,
    );
  }
  const condition = {
    DateLessThan: { 'aws:TokenIssueTime': instant.toISOString() },
    ...(sourceIdentity === undefined ? {} : { StringEquals: { 'aws:SourceIdentity': sourceIdentity } }),
  };
  const policyName =
    sourceIdentity === undefined
      ? DENY_OLDER_SESSIONS_POLICY_NAME
      : `${DENY_OLDER_SESSIONS_POLICY_NAME}-${sourceIdentity}`;
  return {
    policyName,
    document: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: condition }],
    },
  };
}

/** The policy document as IAM is sent it: compact JSON. */
export function policyDocumentJson(policy: DenyOlderSessionsPolicy): string {
  return JSON.stringify(policy.document);
}

/** What PutRolePolicy needs from a role ARN: the name without its path, and where it lives. */
export interface RoleTarget {
  roleArn: string;
  partition: Partition;
  accountId: string;
  /** The role's name, without the path (PutRolePolicy takes the bare name). */
  roleName: string;
}

const ROLE_ARN = roleArnPattern();

/**
 * The role an ARN names, or a message saying why it names none: only a
 * real IAM role ARN (`arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`) gets a
 * policy; a user, an assumed-role session or a policy ARN does not.
 */
export function roleTarget(
  roleArn: string,
): { ok: true; target: RoleTarget } | { ok: false; problem: string } {
  const match = ROLE_ARN.exec(roleArn);
  const roleName = match?.[3]?.split('/').at(-1);
  if (
    match?.[1] === undefined ||
    match[2] === undefined ||
    roleName === undefined ||
    !IAM_NAME.test(roleName)
  ) {
    return {
      ok: false,
      problem: `${JSON.stringify(roleArn)} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME); no policy is put on it`,
    };
  }
  return {
    ok: true,
    target: { roleArn, partition: match[1] as Partition, accountId: match[2], roleName },
  };
}
