import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { RevokeUser, type RevokeUserResult } from '@fedgate/flows';
import type { BrokerSession } from '@fedgate/sessions';
import { CurrentSession } from '../http/request-session';
import { SessionGuard } from '../http/session.guard';

/** An administrator's revocation of a user (docs/operations/revocation.md). Same session, CSRF and bearer rules as /api/v1. */
@Controller('api/v1/admin')
@UseGuards(SessionGuard)
export class RevocationController {
  constructor(@Inject(RevokeUser) private readonly revokeUser: RevokeUser) {}

  /**
   * Ends the user's sessions, OAuth logins and cached credentials on every
   * replica and may block them: body `{user, connector?, blockSeconds?,
   * reason?}`. Admins only: anyone else gets 403 not_entitled before the
   * body is read.
   */
  @Post('revoke')
  @HttpCode(200)
  revoke(
    @CurrentSession() current: { session: BrokerSession },
    @Body() body: unknown,
  ): Promise<RevokeUserResult> {
    return this.revokeUser.revoke(current.session.identity, body);
  }
}
