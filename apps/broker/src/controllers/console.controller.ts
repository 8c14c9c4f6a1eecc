import { Controller, Get, Inject, Param, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { BrokerSession } from '@fedgate/sessions';
import { escapeHtml } from '../http/html';
import { parseBody } from '../http/parse-body';
import { CurrentSession } from '../http/request-session';
import { SessionGuard } from '../http/session.guard';
import {
  formActionSources,
  portalContentSecurityPolicy,
  portalPageHeaders,
} from '../portal/security-headers';
import { BROKER_STARTUP_CONFIG, type BrokerStartupConfig } from '../tokens';

const consoleTarget = z.strictObject({
  accountId: z.string().min(1).max(64),
  permissionSet: z.string().min(1).max(64),
});
const consoleQuery = z.object({ destination: z.string().min(1).max(2048).optional() });

/**
 * A console link (`/console/{account}/{permission set}`, bookmarked or
 * shared): a GET only asks. Issuing on a GET would let any site sign its
 * visitors in to the console with one cross-site navigation, so the page
 * holds a form that posts, with the session's CSRF token, to the portal's
 * console route, which issues (portal.controller.ts). Nothing is sent to
 * STS and nothing is audited until that post.
 */
@Controller('console')
@UseGuards(SessionGuard)
export class ConsoleController {
  /**
   * The portal's page headers: no-store, no framing, and a CSP whose form-action allows the
   * federation and console hosts the post's redirects lead to (browsers check the whole chain).
   */
  private readonly pageHeaders: Record<string, string>;

  constructor(@Inject(BROKER_STARTUP_CONFIG) config: BrokerStartupConfig) {
    this.pageHeaders = portalPageHeaders(portalContentSecurityPolicy(formActionSources(config.backends)));
  }

  @Get(':accountId/:permissionSet')
  confirm(
    @CurrentSession() current: { session: BrokerSession },
    @Param() params: unknown,
    @Query() query: unknown,
    @Res() response: FastifyReply,
  ): void {
    const target = parseBody(consoleTarget, params);
    const { destination } = parseBody(consoleQuery, query);
    void response.headers(this.pageHeaders).send(confirmPage(target, destination, current.session.csrfToken));
  }
}

function confirmPage(
  target: { accountId: string; permissionSet: string },
  destination: string | undefined,
  csrfToken: string,
): string {
  const action = `/console/${encodeURIComponent(target.accountId)}/${encodeURIComponent(target.permissionSet)}`;
  const fields = [
    `<input type="hidden" name="csrf_token" value="${escapeHtml(csrfToken)}">`,
    ...(destination === undefined
      ? []
      : [`<input type="hidden" name="destination" value="${escapeHtml(destination)}">`]),
  ].join('');
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>Open the AWS console? – fedgate</title></head><body><main>' +
    `<h1>Open the AWS console?</h1><p>As <strong>${escapeHtml(target.permissionSet)}</strong> in account ` +
    `<strong>${escapeHtml(target.accountId)}</strong>.</p>` +
    `<form method="post" action="${escapeHtml(action)}">${fields}` +
    '<button type="submit">Open the console</button></form>' +
    '<p><a href="/accounts">Back to your accounts</a></p></main></body></html>'
  );
}
