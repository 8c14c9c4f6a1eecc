import { FedgateError, type Identity } from '@fedgate/core';
import { overLimitError } from './budget';
import type { Entitlement, LimitViolation } from './entitlement';
import type { MappingConfig } from './compiled-mapping';
import { entitlementFor } from './requested-entitlement';
import type { IssuePlan, IssuePlanCommon, RoleSessionPlan } from './issue-plan';

/** What a user asks to be issued: one of their entitlements, optionally for a shorter session. */
export interface IssueRequest {
  /** The account's id, or its name in any case. */
  account: string;
  /** The permission set's name, in any case. */
  permissionSet: string;
  /** The session length asked for, in seconds; the plan clamps it to every limit. */
  requestedSeconds?: number;
}

/**
 * The outcome of planning: a plan, or why there is none. The refusals
 * carry the FedgateError to throw once the caller has recorded them
 * (`not_entitled`, phase `mapping.entitlement`; `sts_rejected`, phase
 * `mapping.limits`).
 */
export type IssuePlanning =
  | { kind: 'plan'; plan: IssuePlan }
  | { kind: 'not_entitled'; error: FedgateError }
  | { kind: 'over_limit'; violations: LimitViolation[]; error: FedgateError };

/**
 * Plans one issuance: finds the entitlement the request names on the server
 * (entitlementFor: the one evaluate would list, through the config's index;
 * with the requested duration, so its plan says whether the request or a
 * limit decided the length), refuses it
 * while it breaks an AWS limit, and returns the typed plan of its mode.
 * Pure like evaluate: the clock is read only when `options.now` is absent.
 * A requested duration that is not a positive whole number of seconds is
 * `invalid_request`.
 */
export function planIssue(
  identity: Identity,
  config: MappingConfig,
  request: IssueRequest,
  options: { now?: Date } = {},
): IssuePlanning {
  const { requestedSeconds } = request;
  if (requestedSeconds !== undefined && !(Number.isSafeInteger(requestedSeconds) && requestedSeconds > 0)) {
    throw new FedgateError('invalid_request', 'The session duration must be a whole number of seconds', {
      phase: 'mapping.plan',
    });
  }
  const entitlement = entitlementFor(identity, config, request, {
    ...options,
    ...(requestedSeconds === undefined ? {} : { requestedSeconds }),
  });
  if (!entitlement) {
    return {
      kind: 'not_entitled',
      error: new FedgateError(
        'not_entitled',
        `You are not entitled to permission set "${request.permissionSet}" in account "${request.account}"`,
        { phase: 'mapping.entitlement' },
      ),
    };
  }
  if (entitlement.violations.length > 0) {
    // Nothing is dropped to make a request fit: over a limit, nothing is issued.
    return {
      kind: 'over_limit',
      violations: entitlement.violations,
      error: overLimitError(entitlement, identity),
    };
  }
  const backend = config.backends.find((candidate) => candidate.id === entitlement.backendId);
  return { kind: 'plan', plan: issuePlanOf(entitlement, backend?.signinUrl) };
}

/** The plan of an entitlement's mode, with exactly the fields that mode sends. */
function issuePlanOf(entitlement: Entitlement, signinUrl: string | undefined): IssuePlan {
  const common: IssuePlanCommon = {
    accountId: entitlement.accountId,
    accountName: entitlement.accountName,
    partition: entitlement.partition,
    backendId: entitlement.backendId,
    permissionSet: entitlement.permissionSet,
    duration: { ...entitlement.durationPlan },
    sessionTags: entitlement.sessionTags.map((tag) => ({ ...tag })),
    ...(entitlement.policy === undefined ? {} : { policy: entitlement.policy }),
    policyArns: [...entitlement.policyArns],
    ...(entitlement.consoleDestination === undefined
      ? {}
      : { consoleDestination: entitlement.consoleDestination }),
    ...(signinUrl === undefined ? {} : { signinUrl }),
  };
  switch (entitlement.mode) {
    case 'federation-token':
      return { mode: 'federation-token', ...common, federatedUserName: entitlement.federatedUserName };
    case 'web-identity':
      return { mode: 'web-identity', ...common, ...roleSessionOf(entitlement) };
    case 'assume-role':
      return {
        mode: 'assume-role',
        ...common,
        ...roleSessionOf(entitlement),
        ...(entitlement.externalId === undefined ? {} : { externalId: entitlement.externalId }),
      };
  }
}

/** The role and session names the role modes send. */
function roleSessionOf(
  entitlement: Entitlement,
): Pick<RoleSessionPlan, 'roleArn' | 'roleSessionName' | 'sourceIdentity' | 'transitiveTagKeys'> {
  return {
    roleArn: entitlement.roleArn,
    roleSessionName: entitlement.roleSessionName,
    sourceIdentity: entitlement.sourceIdentity,
    transitiveTagKeys: [...entitlement.transitiveTagKeys],
  };
}
