import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { FedgateError } from '@fedgate/core';
import type { IdentityRefresh } from '@fedgate/flows';
import type { BrokerSession, SessionManager } from '@fedgate/sessions';
import type { BearerAuth } from '../oauth/bearer-auth';
import { assertSameOrigin } from './origin-check';
import type { SessionCookie } from './session-cookie';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A request's signed-in user: the session's token (or the CLI login's family) and the session. */
export interface AuthenticatedSession {
  token: string;
  session: BrokerSession;
}

/**
 * Who is asking: a live session cookie, or a CLI login's bearer access token
 * (then no cookie is looked at and no CSRF token asked for: browsers never
 * send that header on their own). State-changing requests must also pass the
 * Origin check and echo the session's CSRF token in the `X-CSRF-Token`
 * header. A session whose identity is due for a re-check is checked with its
 * source first. If the store or the source is down this throws (fail closed).
 *
 * Plain, so that SessionGuard (Nest routes) and the routes served by Fastify
 * directly (credentials-route.ts) admit requests by the same rules.
 */
export class SessionAuthenticator {
  constructor(
    private readonly sessions: SessionManager,
    private readonly cookie: SessionCookie,
    private readonly publicUrl: string,
    private readonly identityRefresh: IdentityRefresh,
    private readonly bearer: BearerAuth,
  ) {}

  async authenticate(request: FastifyRequest): Promise<AuthenticatedSession> {
    if (this.bearer.presents(request)) {
      return this.bearer.session(request);
    }
    const cookies = request.cookies as Record<string, unknown> | undefined;
    const token = cookies?.[this.cookie.name];
    if (typeof token !== 'string' || token === '') {
      throw new FedgateError('unauthenticated', 'Sign in first: no session cookie was sent');
    }
    const found = await this.sessions.find(token);
    if (!found) {
      throw new FedgateError('unauthenticated', 'The session has expired or was ended; sign in again');
    }
    if (!SAFE_METHODS.has(request.method)) {
      assertSameOrigin(request, this.publicUrl);
      const csrf = request.headers['x-csrf-token'];
      if (typeof csrf !== 'string' || !sameSecret(csrf, found.csrfToken)) {
        throw new FedgateError('csrf_rejected', 'Missing or wrong X-CSRF-Token header');
      }
    }
    // Checked after CSRF, so a forged request cannot make fedgate call the identity provider.
    const session = await this.identityRefresh.current(token, found, request.ip);
    if (!session) {
      throw new FedgateError(
        'unauthenticated',
        'Your account is no longer allowed to sign in here, or its sign-in was revoked; sign in again',
      );
    }
    return { token, session };
  }
}
