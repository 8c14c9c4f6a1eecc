import { formatDuration } from '@fedgate/core';
import { AWS_LIMITS } from '@fedgate/aws';
import type { DurationLimit, DurationPlan, IssuanceMode } from './entitlement';

/** What decides a session's length. */
export interface DurationInputs {
  mode: IssuanceMode;
  /** The permission set's sessionDuration. */
  permissionSetSeconds: number;
  /** The role's MaxSessionDuration, when the config states it. */
  roleMaximumSeconds?: number;
  /** The backend's own credentials are role credentials (backend `roleChaining`). */
  roleChaining: boolean;
  /** What the caller asked for, if anything. */
  requestedSeconds?: number;
}

const WHY: Record<DurationLimit, string> = {
  requested: 'as requested',
  'permission-set': "the permission set's sessionDuration",
  'role-maximum': "the role's maxSessionDuration",
  'role-chaining': 'role chaining: sessions started with role credentials last at most 1h',
  'aws-minimum': "AWS's minimum of 15m",
  'aws-maximum': "AWS's maximum for this mode",
};

/**
 * Plans a session's length and says which limit decided it (docs/mapping.md):
 * the request, clamped to [15m, ceiling], where the ceiling is the smallest
 * of the permission set's duration, the role's MaxSessionDuration, the 1h
 * role-chaining cap (AssumeRole with role credentials) and the mode's AWS
 * maximum (12h AssumeRole, 36h GetFederationToken). Without a request the
 * session is as long as the ceiling allows. Ties name the first limit in
 * that order, the one an administrator can change most easily. The plan
 * keeps the request, so an audit line or a test can see what was asked.
 */
export function planDuration(inputs: DurationInputs): DurationPlan {
  const range = inputs.mode === 'federation-token' ? AWS_LIMITS.federationToken : AWS_LIMITS.assumeRole;
  const ceilings: { limit: DurationLimit; seconds: number }[] = [
    { limit: 'permission-set', seconds: inputs.permissionSetSeconds },
  ];
  if (inputs.mode !== 'federation-token') {
    if (inputs.roleMaximumSeconds !== undefined) {
      ceilings.push({ limit: 'role-maximum', seconds: inputs.roleMaximumSeconds });
    }
    // AssumeRoleWithWebIdentity uses no broker credentials, so it is never role chaining.
    if (inputs.mode === 'assume-role' && inputs.roleChaining) {
      ceilings.push({ limit: 'role-chaining', seconds: AWS_LIMITS.roleChainingMaxSeconds });
    }
  }
  ceilings.push({ limit: 'aws-maximum', seconds: range.maxSeconds });
  const ceiling = ceilings.reduce((lowest, next) => (next.seconds < lowest.seconds ? next : lowest));
  let chosen: { limit: DurationLimit; seconds: number } = ceiling;
  const requested = inputs.requestedSeconds;
  if (requested !== undefined && requested < range.minSeconds) {
    chosen = { limit: 'aws-minimum', seconds: range.minSeconds };
  } else if (requested !== undefined && requested <= ceiling.seconds) {
    chosen = { limit: 'requested', seconds: requested };
  } else if (ceiling.seconds < range.minSeconds) {
    chosen = { limit: 'aws-minimum', seconds: range.minSeconds };
  }
  return {
    seconds: chosen.seconds,
    limitedBy: chosen.limit,
    explanation: `${formatDuration(chosen.seconds)}: ${WHY[chosen.limit]}`,
    ...(requested === undefined ? {} : { requestedSeconds: requested }),
  };
}
