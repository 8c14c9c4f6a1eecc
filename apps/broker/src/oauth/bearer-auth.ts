import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { FedgateError } from '@fedgate/core';
import type { BrokerSession } from '@fedgate/sessions';
import { OAuthRuntime } from './oauth-runtime';

const BEARER = /^Bearer +([A-Za-z0-9_-]+)$/i;

/**
 * `Authorization: Bearer <access token>` on `/api/v1/*`: the CLI's login
 * stands in for a cookie session, identity re-check included. No CSRF token
 * is asked for: a browser never adds this header by itself, so a forged
 * cross-site request cannot carry it.
 */
@Injectable()
export class BearerAuth {
  constructor(@Inject(OAuthRuntime) private readonly oauth: OAuthRuntime) {}

  /** True when the request presents a bearer token (then a cookie is not looked at). */
  presents(request: FastifyRequest): boolean {
    return request.headers.authorization !== undefined;
  }

  /** The login behind the request's access token; throws `unauthenticated` when there is none. */
  async session(request: FastifyRequest): Promise<{ token: string; session: BrokerSession }> {
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (match?.[1] === undefined) {
      throw new FedgateError('unauthenticated', 'The Authorization header must be "Bearer <access token>"');
    }
    const grant = await this.oauth.server.authenticate(match[1]);
    if (grant === null) {
      throw new FedgateError(
        'unauthenticated',
        'The access token has expired or was revoked; run fedgate login',
      );
    }
    const session = await this.oauth.identityRefresh.current(grant.familyId, grant.session, request.ip);
    if (session === null) {
      throw new FedgateError(
        'unauthenticated',
        'Your account is no longer allowed to sign in here, or its sign-in was revoked; run fedgate login',
      );
    }
    return { token: grant.familyId, session };
  }
}
