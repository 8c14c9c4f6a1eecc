import type { BrokerSession } from '@fedgate/sessions';
import type { AuditTrail } from '../audit';

/** What signing out needs of the session manager. */
export interface SessionEnder {
  destroy(token: string): Promise<boolean>;
}

/**
 * Ends a browser session at the user's request, from any front door (the
 * JSON API, the portal), and audits it: who, through which connector, from
 * where. What the session's credentials already issued stays valid until it
 * expires; ending those is revocation's job.
 */
export class SignOut {
  constructor(private readonly deps: { sessions: SessionEnder; audit: AuditTrail }) {}

  async end(token: string, session: BrokerSession, clientAddress: string): Promise<void> {
    const ended = await this.deps.sessions.destroy(token);
    this.deps.audit.record({
      event: 'logout',
      outcome: ended ? 'success' : 'already_ended',
      connector: session.identity.connectorId,
      subject: session.identity.subject,
      clientAddress,
    });
  }
}
