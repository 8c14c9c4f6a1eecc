import type { DirectoryRole, DirectoryUser } from './directory';

/** What kind of credentials signed a request. */
export type CallerKind = 'user' | 'user-session' | 'assumed-role' | 'federated-user';

/**
 * The principal behind a set of credentials, with everything STS decisions
 * need: who it is (GetCallerIdentity), its tags and source identity (role
 * chaining), and whether MFA was used.
 */
export interface Caller {
  kind: CallerKind;
  accountId: string;
  /** GetCallerIdentity's Arn. */
  arn: string;
  /** GetCallerIdentity's UserId. */
  userId: string;
  /** The IAM user behind user, user-session and federated-user credentials. */
  user?: DirectoryUser;
  /** The role behind assumed-role credentials, with the session's name. */
  role?: { role: DirectoryRole; sessionName: string };
  sourceIdentity?: string;
  /** The principal's tags (aws:PrincipalTag): a user's tags, or a role's tags overlaid by session tags. */
  principalTags: Record<string, string>;
  /** Session tags that pass on when this session assumes another role. */
  transitiveTags: Record<string, string>;
  mfaAuthenticated: boolean;
  /** When the credentials stop working (ms since the epoch); undefined for long-term keys. */
  expiresAt?: number;
  /** Which operation issued the credentials, for the console endpoint's SessionDuration rule. */
  issuedBy?: 'AssumeRole' | 'GetSessionToken' | 'GetFederationToken';
}

/** The caller behind an IAM user's long-term keys. */
export function userCaller(user: DirectoryUser): Caller {
  return {
    kind: 'user',
    accountId: user.accountId,
    arn: user.arn,
    userId: user.userId,
    user,
    principalTags: { ...user.config.tags },
    transitiveTags: {},
    mfaAuthenticated: false,
  };
}
