import { Body, Controller, Get, Header, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LiveConfig } from '@fedgate/broker-config';
import { CredentialsFlow } from '@fedgate/flows';
import { entitlementsOf } from '@fedgate/mapping';
import type { BrokerSession } from '@fedgate/sessions';
import { parseBody } from '../http/parse-body';
import { CurrentSession } from '../http/request-session';
import { noStore } from '../http/no-store';
import { SessionGuard } from '../http/session.guard';
import { BROKER_CLOCK, type BrokerClock } from '../tokens';
import { consoleBody } from './entitlement-bodies';
import { describeEntitlement, describeUser } from './user-view';

/**
 * The signed-in user's view: who they are, what they may use, and console
 * sign-ins. `POST /api/v1/credentials` is served by Fastify directly (credentials-route.ts).
 */
@Controller('api/v1')
@UseGuards(SessionGuard)
export class ApiController {
  constructor(
    @Inject(CredentialsFlow) private readonly flow: CredentialsFlow,
    @Inject(LiveConfig) private readonly liveConfig: LiveConfig,
    @Inject(BROKER_CLOCK) private readonly now: BrokerClock,
  ) {}

  // The user's data and the CSRF token: no cache may keep them.
  @Get('me')
  @Header('Cache-Control', 'no-store')
  me(@CurrentSession() current: { session: BrokerSession }): Record<string, unknown> {
    return { ...describeUser(current.session), csrfToken: current.session.csrfToken };
  }

  @Get('entitlements')
  @Header('Cache-Control', 'no-store')
  entitlements(@CurrentSession() current: { session: BrokerSession }): {
    entitlements: Record<string, unknown>[];
  } {
    // The listing without the trace explain needs: the same entitlements, through the rule indexes.
    const entitlements = entitlementsOf(current.session.identity, this.liveConfig.current, {
      now: new Date(this.now()),
    });
    return { entitlements: entitlements.map(describeEntitlement) };
  }

  /** `{url}`: a console sign-in URL, valid for 15 minutes. It is a secret: never logged. */
  @Post('console')
  @HttpCode(200)
  async console(
    @CurrentSession() current: { session: BrokerSession },
    @Body() body: unknown,
    @Req() http: FastifyRequest,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<{ url: string }> {
    const request = parseBody(consoleBody, body);
    const url = await this.flow.consoleUrl(current.session.identity, request, {
      clientAddress: http.ip,
    });
    noStore(response);
    response.header('Referrer-Policy', 'no-referrer');
    return { url };
  }
}
