import type { Identity } from '@fedgate/core';
import { formatDuration } from '@fedgate/core';
import { AWS_LIMITS } from '@fedgate/aws';
import type { Entitlement, Evaluation } from './entitlement';
import { policyCharacters } from './policy-document';

function describeIdentity(identity: Identity): string[] {
  const attributes = Object.keys(identity.attributes)
    .sort()
    .map((key) => `${key}=${(identity.attributes[key] ?? []).join('|')}`);
  const email =
    identity.email === undefined
      ? '(none)'
      : `${identity.email} (${identity.emailVerified === true ? 'verified' : 'not verified'})`;
  return [
    `Identity: ${identity.username} (connector ${identity.connectorId}, subject ${identity.subject})`,
    `  email: ${email}`,
    `  groups: ${identity.groups.length === 0 ? '(none)' : [...identity.groups].sort().join(', ')}`,
    `  attributes: ${attributes.length === 0 ? '(none)' : attributes.join('; ')}`,
    `  mfa: ${identity.mfa.satisfied ? `yes (${identity.mfa.methods.join(', ') || 'unnamed'})` : 'no'}; authenticated at ${identity.authTime}`,
  ];
}

/** The STS call that issues the entitlement, named as AWS names it, and whom it is for. */
function describeCall(entitlement: Entitlement): string[] {
  const names = `    RoleSessionName ${entitlement.roleSessionName}; SourceIdentity ${entitlement.sourceIdentity}`;
  switch (entitlement.mode) {
    case 'assume-role':
      return [`    AssumeRole ${entitlement.roleArn}`, names];
    case 'web-identity':
      return [`    AssumeRoleWithWebIdentity ${entitlement.roleArn} (with a token fedgate signs)`, names];
    case 'federation-token':
      // GetFederationToken has no role and no session name: the federated user's Name is both.
      return [`    GetFederationToken as ${entitlement.federatedUserName}`];
  }
}

function describeEntitlement(entitlement: Entitlement): string[] {
  const lines = [
    `  ${entitlement.accountName} (${entitlement.accountId}) / ${entitlement.permissionSet}`,
    ...describeCall(entitlement),
    `    duration ${entitlement.durationPlan.explanation}`,
    `    tags: ${entitlement.sessionTags.length === 0 ? '(none)' : entitlement.sessionTags.map((tag) => `${tag.key}=${tag.value}`).join(', ')}`,
  ];
  if (entitlement.transitiveTagKeys.length > 0) {
    lines.push(`    transitive: ${entitlement.transitiveTagKeys.join(', ')}`);
  }
  const used = policyCharacters(entitlement.policy, entitlement.policyArns);
  if (used > 0) {
    lines.push(
      `    session policy: ${entitlement.policy === undefined ? 'no inline policy' : 'inline'}, ${entitlement.policyArns.length} managed ARN(s), ${used}/${AWS_LIMITS.maxPolicyCharacters} characters`,
    );
  }
  if (entitlement.requireMfa || entitlement.maxAuthAgeSeconds !== undefined) {
    const needs = [
      ...(entitlement.requireMfa ? ['MFA'] : []),
      ...(entitlement.maxAuthAgeSeconds === undefined
        ? []
        : [`a login within ${formatDuration(entitlement.maxAuthAgeSeconds)}`]),
    ];
    lines.push(`    requires ${needs.join(' and ')}`);
  }
  lines.push(...entitlement.notes.map((note) => `    note: ${note}`));
  lines.push(
    ...entitlement.violations.map((violation) => `    REFUSED (${violation.limit}): ${violation.message}`),
  );
  return lines;
}

/**
 * The explain report for people: the identity, every rule (matched or not,
 * and why), the decision on each (account, permission set) some rule
 * named, and each entitlement's compiled STS request. Deterministic for a
 * given evaluation, so it can be compared with committed golden files.
 */
export function formatExplanation(identity: Identity, evaluation: Evaluation): string {
  const lines = [...describeIdentity(identity), '', 'Rules:'];
  if (evaluation.trace.length === 0) {
    lines.push('  (no assignments are configured)');
  }
  for (const rule of evaluation.trace) {
    lines.push(
      `  ${rule.matched ? '+' : '-'} ${rule.effect} ${rule.rule}: ${rule.matched ? 'matched' : 'no match'}: ${rule.reason}`,
    );
    if (rule.matched && rule.grants.length > 0) {
      const verb = rule.effect === 'deny' ? 'removes' : 'grants';
      lines.push(
        `      ${verb} ${rule.grants.map((grant) => `${grant.accountId}/${grant.permissionSet}`).join(', ')}`,
      );
    }
  }
  lines.push('', 'Decisions:');
  if (evaluation.decisions.length === 0) {
    lines.push('  (no rule allows anything)');
  }
  for (const decision of evaluation.decisions) {
    lines.push(
      `  ${decision.outcome.padEnd(8)} ${decision.accountName} (${decision.accountId}) / ${decision.permissionSet}: ${decision.reason}`,
    );
  }
  lines.push('', 'Entitlements:');
  if (evaluation.entitlements.length === 0) {
    lines.push('  (none)');
  }
  for (const entitlement of evaluation.entitlements) {
    lines.push(...describeEntitlement(entitlement));
  }
  return `${lines.join('\n')}\n`;
}
