import { Body, Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FedgateError, identityKey } from '@fedgate/core';
import type { Logger } from '@fedgate/logging';
import type { PendingDevice } from '@fedgate/oauth';
import type { BrokerSession } from '@fedgate/sessions';
import { assertSameOrigin } from '../http/origin-check';
import { BROKER_STARTUP_CONFIG, BROKER_LOGGER, type BrokerStartupConfig } from '../tokens';
import { sameSecret } from './authorize-approval';
import { BrowserSessions, signInRedirect } from './browser-session';
import { sendOAuthPage, type PageForm } from './oauth-pages';
import { oauthNoStore } from './oauth-reply';
import { OAuthRuntime } from './oauth-runtime';

const DEVICE_PATH = '/oauth/device';

function field(body: unknown, name: string): string {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

/**
 * The device login's page (RFC 8628 section 3.3): a signed-in user types
 * the code their terminal shows, sees which client asked, from which
 * address and when, and approves or denies. The code is always typed: the
 * page takes none from its link, so a link sent by someone else approves
 * nothing. Every post carries the session's CSRF token and a same-site
 * Origin.
 */
@Controller()
export class DeviceController {
  constructor(
    @Inject(OAuthRuntime) private readonly oauth: OAuthRuntime,
    @Inject(BrowserSessions) private readonly browser: BrowserSessions,
    @Inject(BROKER_STARTUP_CONFIG) private readonly config: BrokerStartupConfig,
    @Inject(BROKER_LOGGER) private readonly logger: Logger,
  ) {}

  @Get('oauth/device')
  async entry(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const current = await this.browser.current(request);
    if (current === null) {
      void oauthNoStore(reply).redirect(signInRedirect(DEVICE_PATH), 302);
      return;
    }
    this.sendEntry(reply, 200, current.session, []);
  }

  @Post('oauth/device')
  async decide(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const current = await this.browser.current(request);
    if (current === null) {
      void oauthNoStore(reply).redirect(signInRedirect(DEVICE_PATH), 303);
      return;
    }
    const { session } = current;
    assertSameOrigin(request, this.config.server.publicUrl);
    if (!sameSecret(field(body, 'csrf'), session.csrfToken)) {
      throw new FedgateError('csrf_rejected', 'Missing or wrong CSRF token; reload the page');
    }
    const userCode = field(body, 'user_code');
    const action = field(body, 'action');
    try {
      if (action === 'lookup') {
        const pending = await this.oauth.server.pendingDevice(userCode, identityKey(session.identity));
        await this.sendConfirmation(reply, session, pending);
        return;
      }
      if (action === 'approve' || action === 'deny') {
        await this.record(request, session, action, userCode);
        this.sendDecided(reply, action);
        return;
      }
      throw new FedgateError('invalid_request', 'Unknown action');
    } catch (error) {
      if (error instanceof FedgateError && (error.code === 'not_found' || error.code === 'invalid_request')) {
        this.sendEntry(reply, 400, session, [error.message]);
        return;
      }
      if (error instanceof FedgateError && error.code === 'rate_limited') {
        sendOAuthPage(reply, 429, { title: 'Too many codes', paragraphs: [error.message] });
        return;
      }
      throw error;
    }
  }

  private async record(
    request: FastifyRequest,
    session: BrokerSession,
    action: 'approve' | 'deny',
    userCode: string,
  ): Promise<void> {
    const { identity, connectorData, identityCheckedAt } = session;
    const decided = await this.oauth.server.devices.decide(
      userCode,
      identityKey(identity),
      action === 'approve'
        ? {
            approve: true,
            subject: {
              identity,
              ...(connectorData === undefined ? {} : { connectorData }),
              ...(identityCheckedAt === undefined ? {} : { identityCheckedAt }),
            },
          }
        : { approve: false },
    );
    this.oauth.audit.record({
      event: 'oauth_device',
      outcome: action === 'approve' ? 'approved' : 'denied',
      client: decided.clientId,
      requestedFrom: decided.requestedFrom,
      connector: identity.connectorId,
      subject: identity.subject,
      clientAddress: request.ip,
    });
  }

  private sendEntry(
    reply: FastifyReply,
    status: number,
    session: BrokerSession,
    problems: readonly string[],
  ): void {
    const form: PageForm = {
      action: DEVICE_PATH,
      hidden: [{ name: 'csrf', value: session.csrfToken }],
      input: { name: 'user_code', label: 'Code', placeholder: 'BCDF-GHJK' },
      buttons: [{ name: 'action', value: 'lookup', label: 'Continue' }],
    };
    sendOAuthPage(reply, status, {
      title: 'Log in a device',
      paragraphs: [
        ...problems,
        `Signed in as ${session.identity.username}. Type the code your terminal shows (fedgate login --device, aws sso login).`,
        'Only type a code you got yourself, just now: someone who sends you a code is asking for your access.',
      ],
      form,
    });
  }

  private async sendConfirmation(
    reply: FastifyReply,
    session: BrokerSession,
    pending: PendingDevice,
  ): Promise<void> {
    sendOAuthPage(reply, 200, {
      title: 'Approve this login?',
      paragraphs: [
        `A program asked to log in as ${session.identity.username}. Approve only if you started it yourself, ` +
          'from the address and at the time below.',
      ],
      facts: [
        { label: 'Client', value: await this.oauth.clientDisplayName(pending.clientId) },
        { label: 'Requested from', value: pending.requestedFrom },
        {
          label: 'Requested at',
          value: `${pending.requestedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} (UTC)`,
        },
        { label: 'Code', value: pending.userCode },
      ],
      form: {
        action: DEVICE_PATH,
        hidden: [
          { name: 'csrf', value: session.csrfToken },
          { name: 'user_code', value: pending.userCode },
        ],
        buttons: [
          { name: 'action', value: 'approve', label: 'Approve' },
          { name: 'action', value: 'deny', label: 'Deny' },
        ],
      },
    });
  }

  private sendDecided(reply: FastifyReply, action: 'approve' | 'deny'): void {
    sendOAuthPage(reply, 200, {
      title: action === 'approve' ? 'Login approved' : 'Login denied',
      paragraphs: [
        action === 'approve'
          ? 'Return to your terminal: fedgate login finishes there in a few seconds.'
          : 'The program that asked gets no access. If you did not start it, tell your administrator.',
      ],
    });
  }
}
