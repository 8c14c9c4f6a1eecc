import { AWS_LIMITS } from '@fedgate/aws';
import type { Caller } from '../sts/caller';
import {
  checkExternalId,
  checkMinimumTokenSize,
  checkPackedSize,
  checkSessionPolicy,
  checkSourceIdentity,
  checkTags,
  checkTransitiveTagKeys,
  checkRoleDuration,
  packedPolicySize,
  requireRoleSessionName,
  type SessionTags,
} from '../sts/limits';
import { StsError, validationError } from '../sts/sts-error';
import { evaluateTrustPolicy } from '../trust/evaluate-trust-policy';
import { trustContext } from '../trust/request-context';
import { overlayTags } from '../sts/tag-overlay';
import { checkMfa } from './mfa';
import { credentialsElement, signedCaller, tokenMetrics, type Operation } from './operation';

function denied(callerArn: string, action: string, roleArn: string, explicit: boolean): StsError {
  return new StsError(
    'AccessDenied',
    `User: ${callerArn} is not authorized to perform: ${action} on resource: ${roleArn}` +
      (explicit ? ' with an explicit deny' : ''),
  );
}

/** Request tags merged over inherited transitive tags; overriding an inherited key is refused, as in AWS. */
function mergeTags(inherited: SessionTags, requested: SessionTags): SessionTags {
  const inheritedKeys = new Set(Object.keys(inherited).map((key) => key.toLowerCase()));
  for (const key of Object.keys(requested)) {
    if (inheritedKeys.has(key.toLowerCase())) {
      throw new StsError(
        'InvalidParameterValue',
        `One of the specified session tags conflicts with a transitive session tag key: ${key}`,
      );
    }
  }
  return { ...inherited, ...requested };
}

function effectiveSourceIdentity(caller: Caller, requested: string | undefined): string | undefined {
  if (caller.sourceIdentity !== undefined && requested !== undefined && requested !== caller.sourceIdentity) {
    // AWS keeps a session's source identity for the whole role chain.
    throw new StsError(
      'InvalidParameterValue',
      'SourceIdentity cannot be changed once it is set for a session.',
    );
  }
  return caller.sourceIdentity ?? requested;
}

/**
 * AssumeRole (docs/mapping.md#limits, docs/sts-local.md): the request's limits, then the role's
 * trust policy for sts:AssumeRole plus sts:TagSession (with tags) and
 * sts:SetSourceIdentity (with a source identity), then duration rules:
 * 900 s up to the role's MaxSessionDuration, and 1 h when role chaining.
 * Credentials from GetFederationToken cannot call it.
 */
export const assumeRole: Operation = (context) => {
  const caller = signedCaller(context);
  const { params } = context;
  const roleArn = params.get('RoleArn');
  if (roleArn === undefined) {
    throw validationError('roleArn', 'Member must not be null', null);
  }
  if (roleArn.length < 20 || roleArn.length > 2048) {
    throw validationError('roleArn', 'Member must have length between 20 and 2048', roleArn);
  }
  const sessionName = requireRoleSessionName(params);
  const externalId = checkExternalId(params.get('ExternalId'));
  const sourceIdentity = effectiveSourceIdentity(caller, checkSourceIdentity(params.get('SourceIdentity')));
  const requestedTags = checkTags(params);
  const transitiveKeys = checkTransitiveTagKeys(params, requestedTags);
  const policy = checkSessionPolicy(params);
  const chaining = caller.kind === 'assumed-role';
  const duration = checkRoleDuration(params.get('DurationSeconds'));
  const minimumTokenBytes = checkMinimumTokenSize(params.get('MinimumSessionTokenSize'));
  const mfa = checkMfa(params, caller);
  const tags = mergeTags(caller.transitiveTags, requestedTags);
  const packed = checkPackedSize(packedPolicySize(policy, tags));

  const role = context.directory.roleByArn(roleArn);
  if (caller.kind === 'federated-user' || role === undefined) {
    throw denied(caller.arn, 'sts:AssumeRole', roleArn, false);
  }
  const actions = ['sts:AssumeRole'];
  if (Object.keys(tags).length > 0) {
    actions.push('sts:TagSession');
  }
  if (sourceIdentity !== undefined) {
    actions.push('sts:SetSourceIdentity');
  }
  const decision = evaluateTrustPolicy(role.trustPolicy, {
    principal: {
      kind: 'aws',
      partition: context.directory.partition,
      accountId: caller.accountId,
      arns: caller.role ? [caller.role.role.arn, caller.arn] : [caller.arn],
    },
    actions,
    context: trustContext(caller, {
      tags: requestedTags,
      transitiveTagKeys: transitiveKeys,
      ...(externalId === undefined ? {} : { externalId }),
      ...(sourceIdentity === undefined ? {} : { sourceIdentity }),
      roleSessionName: sessionName,
      mfa,
      sourceIp: context.sourceIp,
      region: context.region,
      now: context.now,
    }),
  });
  if (!decision.allowed) {
    throw denied(caller.arn, decision.action, roleArn, decision.explicitDeny);
  }

  // A session that assumes another role may ask for at most one hour (role chaining).
  if (chaining && duration > AWS_LIMITS.roleChainingMaxSeconds) {
    throw new StsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  }
  if (duration > role.config.maxSessionDuration) {
    throw new StsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  }

  const arn = `arn:${context.directory.partition}:sts::${role.accountId}:assumed-role/${role.config.name}/${sessionName}`;
  const userId = `${role.roleId}:${sessionName}`;
  const transitive = Object.fromEntries(
    Object.entries(tags).filter(
      ([key]) =>
        Object.hasOwn(caller.transitiveTags, key) ||
        transitiveKeys.some((transitiveKey) => transitiveKey.toLowerCase() === key.toLowerCase()),
    ),
  );
  const issued = context.store.issue(
    {
      kind: 'assumed-role',
      accountId: role.accountId,
      arn,
      userId,
      role: { role, sessionName },
      ...(sourceIdentity === undefined ? {} : { sourceIdentity }),
      principalTags: overlayTags(role.config.tags, tags),
      transitiveTags: transitive,
      mfaAuthenticated: mfa,
      expiresAt: context.now + duration * 1000,
      issuedBy: 'AssumeRole',
    },
    context.now,
    minimumTokenBytes,
  );
  const sentPolicyOrTags =
    policy.policy !== undefined || policy.policyArns.length > 0 || Object.keys(tags).length > 0;
  return {
    Credentials: credentialsElement(issued),
    AssumedRoleUser: { AssumedRoleId: userId, Arn: arn },
    PackedPolicySize: sentPolicyOrTags ? packed : undefined,
    SourceIdentity: sourceIdentity,
    ...tokenMetrics(issued, packed),
  };
};
