import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { RequestWithSession } from './request-session';
import { SessionAuthenticator } from './session-authenticator';

/**
 * Admits the requests SessionAuthenticator admits (a live session cookie with
 * its CSRF token, or a CLI login's bearer token) and leaves the session on
 * the request for `@CurrentSession()`. Fails closed: whatever it throws is
 * the answer.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(@Inject(SessionAuthenticator) private readonly authenticator: SessionAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithSession>();
    request.fedgateSession = await this.authenticator.authenticate(request);
    return true;
  }
}
