import { timingSafeEqual } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import type { IdentityRefresh } from '@fedgate/flows';
import type { BrokerSession, SessionManager } from '@fedgate/sessions';

/** The session a portal request runs with: its cookie token and the session. */
export interface PortalSession {
  token: string;
  session: BrokerSession;
}

/** What the portal reads of a request: the session cookie, the Origin header, the client address. */
export interface PortalRequestFacts {
  sessionToken: string | undefined;
  origin: string | undefined;
  clientAddress: string;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Sessions for the portal's pages and forms. The rules are SessionGuard's
 * (docs/http-api.md#the-signed-in-user), with two differences a browser
 * needs: a missing session is `undefined`, so the page can send the browser
 * to sign in instead of answering JSON; and a form carries the CSRF token as
 * the field `csrf_token`, since a form cannot send a header.
 */
export class PortalSessions {
  constructor(
    private readonly sessions: SessionManager,
    private readonly identityRefresh: IdentityRefresh,
    private readonly publicOrigin: string,
  ) {}

  /** The live session of a page request, re-checked with its source when due; undefined when signed out. */
  async forPage(facts: PortalRequestFacts): Promise<PortalSession | undefined> {
    const found = await this.find(facts);
    if (found === undefined) {
      return undefined;
    }
    return this.refreshed(found, facts);
  }

  /**
   * The session of a form post: undefined when signed out; the Origin must be
   * fedgate's own and the form's CSRF token the session's, else
   * `csrf_rejected` before anything is done.
   */
  async forForm(facts: PortalRequestFacts, csrfToken: unknown): Promise<PortalSession | undefined> {
    const found = await this.find(facts);
    if (found === undefined) {
      return undefined;
    }
    if (facts.origin !== undefined && facts.origin !== this.publicOrigin) {
      throw new FedgateError('csrf_rejected', 'Cross-site request refused', {
        detail: { origin: facts.origin },
      });
    }
    if (typeof csrfToken !== 'string' || !sameSecret(csrfToken, found.session.csrfToken)) {
      throw new FedgateError(
        'csrf_rejected',
        'This form is out of date or came from another site: reload the page and try again',
      );
    }
    // After the CSRF check, so a forged post cannot make fedgate call the identity provider.
    return this.refreshed(found, facts);
  }

  private async find(facts: PortalRequestFacts): Promise<PortalSession | undefined> {
    if (facts.sessionToken === undefined || facts.sessionToken === '') {
      return undefined;
    }
    const session = await this.sessions.find(facts.sessionToken);
    return session === null ? undefined : { token: facts.sessionToken, session };
  }

  private async refreshed(
    found: PortalSession,
    facts: PortalRequestFacts,
  ): Promise<PortalSession | undefined> {
    const session = await this.identityRefresh.current(found.token, found.session, facts.clientAddress);
    return session === null ? undefined : { token: found.token, session };
  }
}
