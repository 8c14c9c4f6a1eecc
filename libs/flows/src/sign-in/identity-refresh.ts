import { createHash } from 'node:crypto';
import { canRefresh, type RefreshConnector } from '@fedgate/connectors';
import type { Identity } from '@fedgate/core';
import type { BrokerSession } from '@fedgate/sessions';
import type { Store } from '@fedgate/store';
import { failureOf, type AuditTrail } from '../audit';
import type { ConnectorLookup } from './connector-lookup';

/** What the refresh flow needs of the session manager. */
export interface SessionUpdater {
  /** The session as stored now, without touching it; null when it ended. */
  stored(token: string): Promise<BrokerSession | null>;
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
  /** One refresh per session at a time, across replicas. */
  locks: Pick<Store, 'withLock'>;
  audit: AuditTrail;
  /** How long an identity stays good before its source is asked again. */
  intervalSeconds: number;
  now: () => number;
}

/** Longer than a connector's refresh may take (its own timeouts bound it); a waiting request gives up then. */
const REFRESH_LOCK_MS = 30_000;

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
    if (this.isFresh(session)) {
      return session;
    }
    const connector = this.deps.connectors.get(session.identity.connectorId);
    if (connector === undefined || !canRefresh(connector)) {
      // Nothing to ask: the identity stays as the sign-in gave it, until the session ends.
      return session;
    }
    // Refresh tokens are often single-use: two requests refreshing one session at once would
    // spend the same token twice, and the loser would end a session that is fine. The second
    // waits, then finds the session refreshed. The lock's name holds a digest, never the token.
    const lockName = `identity-refresh:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;
    return this.deps.locks.withLock(
      lockName,
      REFRESH_LOCK_MS,
      async () => {
        const latest = await this.deps.sessions.stored(token);
        if (latest === null || this.isFresh(latest)) {
          return latest;
        }
        return this.refresh(token, latest, connector, clientAddress);
      },
      { waitMs: REFRESH_LOCK_MS },
    );
  }

  private isFresh(session: BrokerSession): boolean {
    const checkedAt = Date.parse(session.identityCheckedAt ?? session.createdAt);
    return this.deps.now() - checkedAt < this.deps.intervalSeconds * 1000;
  }

  private async refresh(
    token: string,
    session: BrokerSession,
    connector: RefreshConnector & { id: string },
    clientAddress: string,
  ): Promise<BrokerSession | null> {
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
