import type { Identity } from '@fedgate/core';
import type { IssuanceMode, IssuePlan, IssuePlanOf } from '@fedgate/mapping';
import type { IssuedCredentials } from './issued-credentials';

/**
 * One way of turning a plan into credentials: AssumeRole,
 * AssumeRoleWithWebIdentity or GetFederationToken. The mapping has already
 * checked the entitlement and AWS's limits and planned everything sent,
 * duration included; an issuer only sends its plan to STS and maps the
 * failures to FedgateErrors with the call's phase (STS_PHASES).
 */
export interface ModeIssuer<P extends IssuePlan = IssuePlan> {
  issue(plan: P, identity: Identity): Promise<IssuedCredentials>;
}

/**
 * The issuer of every mode, each typed by its mode's plan: a mode without
 * an issuer, or an issuer for another mode's plan, does not compile.
 */
export type ModeIssuers = { readonly [M in IssuanceMode]: ModeIssuer<IssuePlanOf<M>> };
