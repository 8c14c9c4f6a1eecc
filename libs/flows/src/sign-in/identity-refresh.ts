import { canRefresh } from '@fedgate/connectors';
import type { Identity } from '@fedgate/core';
import type { BrokerSession } from '@fedgate/sessions';
import { failureOf, type AuditTrail } from '../audit';
import type { ConnectorLookup } from './connector-lookup';

/** What the refresh flow needs of the session manager. */
export interface SessionUpdater {
  replaceIdentity(
    token: string,
    identity: Identity,
    options?: { connectorData?: string | undefined },
  ): Promise<BrokerSession | null>;
  destroy(token: string): Promise<boolean>;
}

/** What the identity refresh flow uses, and nothing more. */
export interface IdentityRefreshDependencies {
  connectors: ConnectorLookup;
  sessions: SessionUpdater;
  audit: AuditTrail;
  /** How long an identity stays good before its source is asked again. */
  intervalSeconds: number;
  now: () => number;
}

/**
 * Keeps a session's identity as fresh as its source allows: once
 * `intervalSeconds` have passed since the source last confirmed it, a
 * connector that can refresh (RefreshConnector) is asked again. A user the
 * source now refuses (disabled, deleted, refresh token revoked) loses the
 * session at once; changed groups or attributes take effect on the next
 * request. When the source cannot answer, the error propagates and nothing
 * is issued (fail closed); the session itself is kept for when it answers.
 */
export class IdentityRefresh {
  constructor(private readonly deps: IdentityRefreshDependencies) {}

  /** The session to serve the request with, or null when the source revoked it. */
  async current(token: string, session: BrokerSession, clientAddress: string): Promise<BrokerSession | null> {
    const checkedAt = Date.parse(session.identityCheckedAt ?? session.createdAt);
    if (this.deps.now() - checkedAt < this.deps.intervalSeconds * 1000) {
      return session;
    }
    const connector = this.deps.connectors.get(session.identity.connectorId);
    if (connector === undefined || !canRefresh(connector)) {
      // Nothing to ask: the identity stays as the sign-in gave it, until the session ends.
      return session;
    }
    const audit = {
      event: 'identity_refresh',
      connector: connector.id,
      subject: session.identity.subject,
      clientAddress,
    };
    let result;
    try {
      result = await connector.refresh(
        {
          identity: session.identity,
          ...(session.connectorData === undefined ? {} : { connectorData: session.connectorData }),
        },
        { clientAddress },
      );
    } catch (error) {
      this.deps.audit.record({ ...audit, outcome: 'error', ...failureOf(error) });
      throw error;
    }
    if (result.kind === 'revoked') {
      await this.deps.sessions.destroy(token);
      this.deps.audit.record({ ...audit, outcome: 'revoked', reason: result.reason });
      return null;
    }
    const updated = await this.deps.sessions.replaceIdentity(token, result.identity, {
      connectorData: result.connectorData,
    });
    this.deps.audit.record({ ...audit, outcome: 'current', groups: result.identity.groups });
    return updated;
  }
}
