import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { IdentityRefresh } from '@fedgate/flows';
import { SessionManager, type BrokerSession } from '@fedgate/sessions';
import { cookieValue } from '../http/cookies';
import { SessionCookie } from '../http/session-cookie';

/**
 * The browser's portal session on the OAuth pages, where a missing session
 * is not an error but a reason to send the user to sign in first. The
 * identity is re-checked with its source when due, as SessionGuard does.
 */
@Injectable()
export class BrowserSessions {
  constructor(
    @Inject(SessionManager) private readonly sessions: SessionManager,
    @Inject(SessionCookie) private readonly cookie: SessionCookie,
    @Inject(IdentityRefresh) private readonly identityRefresh: IdentityRefresh,
  ) {}

  /** The live session of the request's cookie, or null. */
  async current(request: FastifyRequest): Promise<{ token: string; session: BrokerSession } | null> {
    const token = cookieValue(request, this.cookie.name);
    if (token === undefined || token === '') {
      return null;
    }
    const found = await this.sessions.find(token);
    if (found === null) {
      return null;
    }
    const session = await this.identityRefresh.current(token, found, request.ip);
    return session === null ? null : { token, session };
  }
}

/** Where a browser signs in before coming back to `returnTo` (a path on fedgate). */
export function signInRedirect(returnTo: string): string {
  return `/?return_to=${encodeURIComponent(returnTo)}`;
}
