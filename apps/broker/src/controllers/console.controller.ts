import { Controller, Get, Inject, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CredentialsFlow } from '@fedgate/flows';
import type { BrokerSession } from '@fedgate/sessions';
import { noStore } from '../http/no-store';
import { parseBody } from '../http/parse-body';
import { CurrentSession } from '../http/request-session';
import { SessionGuard } from '../http/session.guard';

const consoleTarget = z.strictObject({
  accountId: z.string().min(1).max(64),
  permissionSet: z.string().min(1).max(64),
});
const consoleQuery = z.object({ destination: z.string().min(1).max(2048).optional() });

/**
 * The portal's "Console" link: signs the user in to the AWS console by a
 * 302 to the federation endpoint's login URL. The URL holds a sign-in token,
 * so it is neither cached, nor sent on as a Referer, nor logged.
 */
@Controller('console')
@UseGuards(SessionGuard)
export class ConsoleController {
  constructor(@Inject(CredentialsFlow) private readonly flow: CredentialsFlow) {}

  @Get(':accountId/:permissionSet')
  async open(
    @CurrentSession() current: { session: BrokerSession },
    @Param() params: unknown,
    @Query() query: unknown,
    @Req() http: FastifyRequest,
    @Res() response: FastifyReply,
  ): Promise<void> {
    const target = parseBody(consoleTarget, params);
    const { destination } = parseBody(consoleQuery, query);
    const url = await this.flow.consoleUrl(
      current.session.identity,
      { ...target, ...(destination === undefined ? {} : { destination }) },
      { clientAddress: http.ip },
    );
    noStore(response);
    void response.header('Referrer-Policy', 'no-referrer').redirect(url, 302);
  }
}
