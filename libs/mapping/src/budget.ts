import { FedgateError, type Identity } from '@fedgate/core';
import {
  AWS_LIMITS,
  SESSION_NAME_CHARACTERS,
  TAG_CHARACTERS,
  hasAwsReservedPrefix,
  isAwsReservedTagKey,
} from '@fedgate/aws';
import type { Entitlement, LimitViolation } from './entitlement';
import { policyCharacters, policyTextProblem } from './policy-document';

function validName(name: string, max: number): boolean {
  return name.length >= 2 && name.length <= max && SESSION_NAME_CHARACTERS.test(name);
}

/**
 * Every AWS limit (docs/mapping.md) the entitlement's STS request would break:
 * tag count, key and value sizes and characters, case-insensitive key
 * conflicts, the `aws:` prefix, transitive keys (≤ 50, a subset of the
 * tags, none for GetFederationToken), session policy characters and the
 * 2048-character budget of inline plus managed policy text, ≤ 10 ARNs, and
 * the session names. Empty when STS would accept the request's shape.
 */
export function checkLimits(entitlement: Omit<Entitlement, 'violations'>): LimitViolation[] {
  const violations: LimitViolation[] = [];
  const { sessionTags: tags, transitiveTagKeys: transitive } = entitlement;
  if (tags.length > AWS_LIMITS.maxTags) {
    violations.push({
      limit: 'tag-count',
      message: `${tags.length} session tags; AWS allows ${AWS_LIMITS.maxTags}`,
    });
  }
  const seen = new Set<string>();
  for (const { key, value } of tags) {
    if (
      key.length < 1 ||
      key.length > AWS_LIMITS.tagKeyLength.max ||
      !TAG_CHARACTERS.test(key) ||
      isAwsReservedTagKey(key)
    ) {
      violations.push({ limit: 'tag-key', message: `tag key ${JSON.stringify(key)} is not one AWS accepts` });
    }
    if (seen.has(key.toLowerCase())) {
      violations.push({
        limit: 'tag-key',
        message: `tag key ${key} appears twice (AWS compares keys ignoring case)`,
      });
    }
    seen.add(key.toLowerCase());
    if (value.length > AWS_LIMITS.tagValueLength.max || !TAG_CHARACTERS.test(value)) {
      violations.push({
        limit: 'tag-value',
        message: `tag ${key}'s value is not one AWS accepts (≤ 256 allowed characters)`,
      });
    }
  }
  if (transitive.length > AWS_LIMITS.maxTransitiveTagKeys) {
    violations.push({
      limit: 'transitive-tag-keys',
      message: `${transitive.length} transitive tag keys; AWS allows 50`,
    });
  }
  if (entitlement.mode === 'federation-token' && transitive.length > 0) {
    violations.push({
      limit: 'transitive-tag-keys',
      message: 'GetFederationToken tags cannot be transitive',
    });
  }
  for (const key of transitive) {
    if (!seen.has(key.toLowerCase())) {
      violations.push({
        limit: 'transitive-tag-keys',
        message: `transitive key ${key} is not among the session tags`,
      });
    }
  }
  if (entitlement.policyArns.length > AWS_LIMITS.maxPolicyArns) {
    violations.push({
      limit: 'policy-arns',
      message: `${entitlement.policyArns.length} managed policy ARNs; AWS allows 10`,
    });
  }
  const policyProblem = policyTextProblem(entitlement.policy, entitlement.policyArns);
  if (policyProblem !== undefined) {
    const over =
      policyCharacters(entitlement.policy, entitlement.policyArns) > AWS_LIMITS.maxPolicyCharacters;
    violations.push({
      limit: over ? 'policy-size' : 'policy-characters',
      message: `the session policy ${policyProblem}`,
    });
  }
  const names: [string, string, number][] = [
    ['RoleSessionName', entitlement.roleSessionName, AWS_LIMITS.sessionName.maxLength],
    ['SourceIdentity', entitlement.sourceIdentity, AWS_LIMITS.sessionName.maxLength],
    ['federated user name', entitlement.federatedUserName, AWS_LIMITS.federatedUserName.maxLength],
  ];
  for (const [label, name, max] of names) {
    if (!validName(name, max) || (label === 'SourceIdentity' && hasAwsReservedPrefix(name))) {
      violations.push({ limit: 'session-name', message: `${label} is not one AWS accepts` });
    }
  }
  return violations;
}

/**
 * The error for an entitlement whose request AWS would reject (limits are
 * enforced before STS, and never "fixed" by dropping tags): `sts_rejected`,
 * phase `mapping.limits`, naming the user, the permission set and each
 * limit, so the person and the administrator both know what to change.
 */
export function overLimitError(entitlement: Entitlement, identity: Identity): FedgateError {
  const limits = entitlement.violations.map((violation) => violation.message).join('; ');
  return new FedgateError(
    'sts_rejected',
    `Cannot issue permission set "${entitlement.permissionSet}" in account "${entitlement.accountName}" for ${identity.username} (${identity.connectorId}): AWS would refuse it (${limits}). Nothing was sent to STS; an administrator must change the permission set or the user's attributes.`,
    {
      phase: 'mapping.limits',
      detail: {
        connector: identity.connectorId,
        subject: identity.subject,
        accountId: entitlement.accountId,
        permissionSet: entitlement.permissionSet,
        limits: entitlement.violations.map((violation) => violation.limit),
      },
    },
  );
}

/** Throws overLimitError when the entitlement breaks any AWS limit; returns otherwise. */
export function assertIssuable(entitlement: Entitlement, identity: Identity): void {
  if (entitlement.violations.length > 0) {
    throw overLimitError(entitlement, identity);
  }
}
