import type { Identity } from '@fedgate/core';
import { formatDuration } from '@fedgate/core';
import type { AccountConfig, BackendConfig, PermissionSetConfig } from './config';
import { fillAccountPlaceholders } from './aws-rules';
import { checkLimits } from './budget';
import type { CompiledMapping, MappingConfig } from './compiled-mapping';
import { planDuration } from './duration-plan';
import type { Entitlement, IssuanceMode } from './entitlement';
import { authAgeSeconds } from './rules';
import { federatedUserNameFor, roleSessionNameFor, sourceIdentityFor } from './session-names';
import { compileSessionTags, type TagTemplate } from './session-tags';

/** Inputs of an evaluation besides the identity and the config. */
export interface EvaluateOptions {
  /** The time auth ages are measured at; the current time when absent. */
  now?: Date;
  /** A requested session length, for the duration plan of every entitlement (planIssue passes the user's). */
  requestedSeconds?: number;
}

/** The set's own mode, else its account's backend's (docs/issuance.md). */
export function issuanceModeOf(set: PermissionSetConfig, backend: BackendConfig): IssuanceMode {
  return set.mode ?? backend.mode;
}

function roleArnFor(set: PermissionSetConfig, account: AccountConfig, partition: string): string {
  if (set.roleName === undefined && set.roleArn === undefined) {
    return '';
  }
  if (set.roleArn !== undefined) {
    return fillAccountPlaceholders(set.roleArn, account.id, partition);
  }
  return `arn:${partition}:iam::${account.id}:role/${set.roleName ?? ''}`;
}

/** Why a permission set's own requirements keep it from this identity, or undefined. */
export function withheldBecause(
  set: PermissionSetConfig,
  identity: Identity,
  now: number,
): string | undefined {
  if (set.requireMfa && !identity.mfa.satisfied) {
    return 'the permission set requires MFA and the login had none';
  }
  if (set.maxAuthAge !== undefined) {
    const age = authAgeSeconds(identity, now);
    if (age === undefined || age > set.maxAuthAge) {
      return `the permission set needs a login within ${formatDuration(set.maxAuthAge)}; sign in again`;
    }
  }
  return undefined;
}

/** The session names of one identity: the same for every entitlement, so computed once. */
export interface SessionNames {
  roleSessionName: string;
  sourceIdentity: string;
  federatedUserName: string;
}

export function sessionNamesOf(identity: Identity, compiled: CompiledMapping): SessionNames {
  return {
    roleSessionName: roleSessionNameFor(identity, compiled.roleSessionName),
    sourceIdentity: sourceIdentityFor(identity, compiled.sourceIdentity),
    federatedUserName: federatedUserNameFor(identity),
  };
}

/** One granted (account, permission set) as the STS request's parameters, checked against AWS's limits. */
export function buildEntitlement(
  identity: Identity,
  names: SessionNames,
  account: AccountConfig,
  backend: BackendConfig,
  set: PermissionSetConfig,
  tags: readonly TagTemplate[],
  config: MappingConfig,
  options: EvaluateOptions,
): Entitlement {
  const { partition } = backend;
  const compiledTags = compileSessionTags(tags, set.transitiveTagKeys, identity, config.mapping.tags);
  const mode = issuanceModeOf(set, backend);
  const durationPlan = planDuration({
    mode,
    permissionSetSeconds: set.sessionDuration,
    roleChaining: backend.roleChaining,
    ...(set.maxSessionDuration === undefined ? {} : { roleMaximumSeconds: set.maxSessionDuration }),
    ...(options.requestedSeconds === undefined ? {} : { requestedSeconds: options.requestedSeconds }),
  });
  const entitlement: Omit<Entitlement, 'violations'> = {
    accountId: account.id,
    accountName: account.name,
    partition,
    backendId: backend.id,
    permissionSet: set.name,
    ...(set.description === undefined ? {} : { description: set.description }),
    mode,
    roleArn: roleArnFor(set, account, partition),
    ...(mode === 'assume-role' && account.externalId !== undefined ? { externalId: account.externalId } : {}),
    sessionDurationSeconds: durationPlan.seconds,
    durationPlan,
    ...names,
    sessionTags: compiledTags.tags,
    transitiveTagKeys: compiledTags.transitiveTagKeys,
    ...(set.sessionPolicy === undefined
      ? {}
      : { policy: fillAccountPlaceholders(set.sessionPolicy, account.id, partition) }),
    policyArns: set.managedPolicyArns.map((arn) => fillAccountPlaceholders(arn, account.id, partition)),
    requireMfa: set.requireMfa,
    ...(set.maxAuthAge === undefined ? {} : { maxAuthAgeSeconds: set.maxAuthAge }),
    ...(set.consoleDestination === undefined ? {} : { consoleDestination: set.consoleDestination }),
    notes: compiledTags.notes,
  };
  return { ...entitlement, violations: [...compiledTags.violations, ...checkLimits(entitlement)] };
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Account name, then permission set: the order of every list of entitlements and decisions. */
export function byAccountThenSet(
  a: { accountName: string; permissionSet: string },
  b: { accountName: string; permissionSet: string },
): number {
  return compareText(a.accountName, b.accountName) || compareText(a.permissionSet, b.permissionSet);
}
