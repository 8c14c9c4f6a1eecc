import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import { IdentityRefresh } from '@fedgate/flows';
import { SessionManager } from '@fedgate/sessions';
import { BearerAuth } from '../oauth/bearer-auth';
import { BROKER_STARTUP_CONFIG, type BrokerStartupConfig } from '../tokens';
import { assertSameOrigin } from './origin-check';
import type { RequestWithSession } from './request-session';
import { SessionCookie } from './session-cookie';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Admits requests that carry a live session cookie, or a CLI login's
 * bearer access token (then no cookie is looked at and no CSRF token asked
 * for: browsers never send that header on their own). State-changing requests
 * must also pass the Origin check and echo the session's CSRF token in the
 * `X-CSRF-Token` header. A session whose identity is due for a re-check is
 * checked with its source first. If the store or the source is down this
 * throws (fail closed).
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    @Inject(SessionManager) private readonly sessions: SessionManager,
    @Inject(SessionCookie) private readonly cookie: SessionCookie,
    @Inject(BROKER_STARTUP_CONFIG) private readonly config: BrokerStartupConfig,
    @Inject(IdentityRefresh) private readonly identityRefresh: IdentityRefresh,
    @Inject(BearerAuth) private readonly bearer: BearerAuth,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithSession>();
    if (this.bearer.presents(request)) {
      request.fedgateSession = await this.bearer.session(request);
      return true;
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
      assertSameOrigin(request, this.config.server.publicUrl);
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
    request.fedgateSession = { token, session };
    return true;
  }
}
