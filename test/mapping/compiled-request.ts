import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { Identity } from '@fedgate/core';
import { AssumeRoleIssuer } from '@fedgate/issuance';
import {
  planIssue,
  type AssumeRolePlan,
  type IssuanceMode,
  type IssuePlanOf,
  type IssueRequest,
  type MappingConfig,
} from '@fedgate/mapping';

/**
 * The plan the broker would execute for this request, which must be of the given mode;
 * throws (failing the test) when the identity is not entitled or AWS would refuse it.
 */
export function planFor<M extends IssuanceMode>(
  mode: M,
  identity: Identity,
  config: MappingConfig,
  request: IssueRequest,
  now?: Date,
): IssuePlanOf<M> {
  const planning = planIssue(identity, config, request, now === undefined ? {} : { now });
  if (planning.kind !== 'plan') {
    throw planning.error;
  }
  const { plan } = planning;
  if (plan.mode !== mode) {
    throw new Error(
      `expected a ${mode} plan for ${request.account}/${request.permissionSet}, got ${plan.mode}`,
    );
  }
  return plan as IssuePlanOf<M>;
}

/** The AssumeRole request exactly as the issuer builds it from what the mapping planned. */
export function assumeRoleRequest(plan: AssumeRolePlan): AssumeRoleCommand {
  return new AssumeRoleCommand(AssumeRoleIssuer.request(plan));
}
