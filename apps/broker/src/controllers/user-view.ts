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
