import type { Entitlement } from '@fedgate/mapping';
import type { BrokerSession } from '@fedgate/sessions';

/** What the API shows of the signed-in user; the connector's internal data never leaves. */
export function describeUser(session: BrokerSession): Record<string, unknown> {
  const { identity } = session;
  return {
    connectorId: identity.connectorId,
    subject: identity.subject,
    username: identity.username,
    email: identity.email,
    emailVerified: identity.emailVerified,
    displayName: identity.displayName,
    groups: identity.groups,
    attributes: identity.attributes,
    mfa: identity.mfa,
    authTime: identity.authTime,
    sessionExpiresAt: session.expiresAt,
  };
}

/**
 * One entitlement as `/api/v1/entitlements` lists it: the account, the permission set, its
 * mode and role (or federated user), how long its sessions last and why, and whether AWS
 * would accept it.
 */
export function describeEntitlement(entitlement: Entitlement): Record<string, unknown> {
  return {
    accountId: entitlement.accountId,
    accountName: entitlement.accountName,
    permissionSet: entitlement.permissionSet,
    description: entitlement.description,
    mode: entitlement.mode,
    ...(entitlement.mode === 'federation-token'
      ? { federatedUser: entitlement.federatedUserName }
      : { roleArn: entitlement.roleArn }),
    sessionDurationSeconds: entitlement.sessionDurationSeconds,
    // Why the session is that long ("1h: role chaining …"), for the portal and the CLI.
    sessionDurationReason: entitlement.durationPlan.explanation,
    // Over an AWS limit nothing is issued; say so here rather than only on the failed request.
    issuable: entitlement.violations.length === 0,
    ...(entitlement.violations.length === 0
      ? {}
      : { problems: entitlement.violations.map((violation) => violation.message) }),
  };
}
