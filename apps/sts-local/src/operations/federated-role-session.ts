import type { DirectoryRole } from '../sts/directory';
import type { SessionPolicy, SessionTags } from '../sts/limits';
import { StsError } from '../sts/sts-error';
import { overlayTags } from '../sts/tag-overlay';
import { evaluateTrustPolicy } from '../trust/evaluate-trust-policy';
import { trustContext } from '../trust/request-context';
import { credentialsElement, tokenMetrics, type OperationContext } from './operation';
import type { XmlElement } from '../sts/xml';

/** What AssumeRoleWithSAML and AssumeRoleWithWebIdentity established before a session can be issued. */
export interface FederatedSessionRequest {
  role: DirectoryRole;
  /** The IAM identity provider's ARN, the trust policy's Federated principal. */
  providerArn: string;
  /** The operation's action; TagSession and SetSourceIdentity are added when the session uses them. */
  action: 'sts:AssumeRoleWithSAML' | 'sts:AssumeRoleWithWebIdentity';
  /** The provider's own condition keys (`saml:aud`, `ISSUER:sub`, …), beside the common ones. */
  providerKeys: Record<string, string[]>;
  /** The AccessDenied message of the operation. */
  deniedMessage: string;
  sessionName: string;
  sourceIdentity: string | undefined;
  tags: SessionTags;
  transitiveKeys: readonly string[];
  durationSeconds: number;
  minimumTokenBytes: number;
  policy: SessionPolicy;
  packedPercent: number;
}

/**
 * The part both federated AssumeRoleWith* operations share: the trust
 * policy's decision for the federated principal, the role's
 * MaxSessionDuration, and issuing the assumed-role session. Returns the
 * common elements of the result; the operation adds its own (Subject, …).
 */
export function issueFederatedRoleSession(
  context: OperationContext,
  request: FederatedSessionRequest,
): XmlElement {
  const { role, sessionName, sourceIdentity, tags, policy } = request;
  const actions: string[] = [request.action];
  if (Object.keys(tags).length > 0) {
    actions.push('sts:TagSession');
  }
  if (sourceIdentity !== undefined) {
    actions.push('sts:SetSourceIdentity');
  }
  const conditionContext = {
    ...trustContext(undefined, {
      tags,
      transitiveTagKeys: [...request.transitiveKeys],
      ...(sourceIdentity === undefined ? {} : { sourceIdentity }),
      roleSessionName: sessionName,
      mfa: false,
      sourceIp: context.sourceIp,
      region: context.region,
      now: context.now,
    }),
    ...request.providerKeys,
  };
  const decision = evaluateTrustPolicy(role.trustPolicy, {
    principal: { kind: 'federated', provider: request.providerArn },
    actions,
    context: conditionContext,
  });
  if (!decision.allowed) {
    throw new StsError('AccessDenied', request.deniedMessage);
  }
  if (request.durationSeconds > role.config.maxSessionDuration) {
    throw new StsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  }
  const arn = `arn:${context.directory.partition}:sts::${role.accountId}:assumed-role/${role.config.name}/${sessionName}`;
  const userId = `${role.roleId}:${sessionName}`;
  const transitiveLower = new Set(request.transitiveKeys.map((key) => key.toLowerCase()));
  const issued = context.store.issue(
    {
      kind: 'assumed-role',
      accountId: role.accountId,
      arn,
      userId,
      role: { role, sessionName },
      ...(sourceIdentity === undefined ? {} : { sourceIdentity }),
      principalTags: overlayTags(role.config.tags, tags),
      transitiveTags: Object.fromEntries(
        Object.entries(tags).filter(([key]) => transitiveLower.has(key.toLowerCase())),
      ),
      mfaAuthenticated: false,
      expiresAt: context.now + request.durationSeconds * 1000,
      issuedBy: 'AssumeRole',
    },
    context.now,
    request.minimumTokenBytes,
  );
  const sentPolicyOrTags =
    policy.policy !== undefined || policy.policyArns.length > 0 || Object.keys(tags).length > 0;
  return {
    Credentials: credentialsElement(issued),
    AssumedRoleUser: { AssumedRoleId: userId, Arn: arn },
    PackedPolicySize: sentPolicyOrTags ? request.packedPercent : undefined,
    SourceIdentity: sourceIdentity,
    ...tokenMetrics(issued, request.packedPercent),
  };
}
