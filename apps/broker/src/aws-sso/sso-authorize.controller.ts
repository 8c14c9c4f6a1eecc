import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FedgateError } from '@fedgate/core';
import type { Logger } from '@fedgate/logging';
import { OAuthError } from '@fedgate/oauth';
import { assertSameOrigin } from '../http/origin-check';
import { withBodyHeaders } from '../http/deferred-body';
import { readRequestBody } from '../http/read-request-body';
import { BrowserSessions, signInRedirect } from '../oauth/browser-session';
import { sendOAuthPage } from '../oauth/oauth-pages';
import { OAuthRuntime } from '../oauth/oauth-runtime';
import { BROKER_STARTUP_CONFIG, BROKER_LOGGER, type BrokerStartupConfig } from '../tokens';
import { AwsSsoRuntime } from './aws-sso-runtime';

const AUTHORIZE_PATH = '/aws-sso/oidc/authorize';
const ACCOUNT_ACCESS_SCOPE = 'sso:account:access';
/** The authorization request's parameters as AWS's clients send them (`scopes`, not `scope`). */
const PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'state',
  'code_challenge',
  'code_challenge_method',
  'scopes',
] as const;

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Fields as strings, each at most once. */
function stringParams(source: unknown): Record<string, string | undefined> {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    return {};
  }
  const entries = Object.entries(source as Record<string, unknown>);
  if (entries.some(([, value]) => typeof value !== 'string')) {
    throw new OAuthError('invalid_request', 'A parameter was given more than once');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** AWS's clients ask for `sso:account:access` only (space- or comma-separated list). */
function checkScopes(scopes: string | undefined): void {
  const asked = (scopes ?? '').split(/[\s,]+/).filter((scope) => scope !== '');
  if (asked.some((scope) => scope !== ACCOUNT_ACCESS_SCOPE)) {
    throw new OAuthError('invalid_scope', `fedgate grants only the ${ACCOUNT_ACCESS_SCOPE} scope`);
  }
}

/**
 * The authorization endpoint of fedgate's SSO OIDC API, for the
 * authorization code grant with PKCE that AWS CLI v2 (2.22 and later) uses
 * by default: a loopback redirect registered through RegisterClient. The
 * request is checked first (a refused one is shown, never redirected); the
 * signed-in user approves on a page, as for `fedgate login`, never silently.
 */
@Controller()
export class SsoAuthorizeController {
  constructor(
    @Inject(AwsSsoRuntime) private readonly sso: AwsSsoRuntime,
    @Inject(OAuthRuntime) private readonly oauth: OAuthRuntime,
    @Inject(BrowserSessions) private readonly browser: BrowserSessions,
    @Inject(BROKER_STARTUP_CONFIG) private readonly config: BrokerStartupConfig,
    @Inject(BROKER_LOGGER) private readonly logger: Logger,
  ) {}

  @Get('aws-sso/oidc/authorize')
  async authorize(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      const params = stringParams(query);
      const checked = await this.check(params);
      const current = await this.browser.current(request);
      if (current === null) {
        void reply.header('Cache-Control', 'no-store').redirect(signInRedirect(request.url), 302);
        return;
      }
      const target = new URL(checked.redirectUri);
      sendOAuthPage(reply, 200, {
        title: 'Log in an AWS tool?',
        paragraphs: [
          `${checked.client.name} on this computer asks for AWS access as ${current.session.identity.username}. ` +
            'Approve only if you just ran aws sso login (or another AWS tool) yourself.',
        ],
        facts: [
          { label: 'Client', value: checked.client.name },
          { label: 'Answer goes to', value: `${target.host} (this computer)` },
        ],
        form: {
          action: AUTHORIZE_PATH,
          hidden: [
            { name: 'csrf', value: current.session.csrfToken },
            ...PARAMS.flatMap((name) => {
              const value = params[name];
              return value === undefined ? [] : [{ name, value }];
            }),
          ],
          buttons: [
            { name: 'action', value: 'approve', label: 'Approve' },
            { name: 'action', value: 'deny', label: 'Deny' },
          ],
        },
        formRedirects: [target.origin],
      });
    } catch (error) {
      this.refused(reply, error);
    }
  }

  /**
   * The approval form's answer. The route takes a form, which the broker's
   * body reader allows only where asked: read here with that kind.
   */
  @Post('aws-sso/oidc/authorize')
  async decide(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    try {
      const current = await this.browser.current(request);
      const body = await readRequestBody(
        withBodyHeaders(request.raw),
        'json-or-form',
        this.config.server.maxBodyBytes,
      );
      const params = stringParams(body);
      const checked = await this.check(params);
      if (current === null) {
        const query = new URLSearchParams();
        for (const name of PARAMS) {
          const value = params[name];
          if (value !== undefined) {
            query.set(name, value);
          }
        }
        void reply
          .header('Cache-Control', 'no-store')
          .redirect(signInRedirect(`${AUTHORIZE_PATH}?${query.toString()}`), 303);
        return;
      }
      assertSameOrigin(request, this.config.server.publicUrl);
      if (!sameSecret(params.csrf ?? '', current.session.csrfToken)) {
        throw new FedgateError('csrf_rejected', 'Missing or wrong CSRF token; run aws sso login again');
      }
      const { identity, connectorData, identityCheckedAt } = current.session;
      const approved = params.action === 'approve';
      const target = approved
        ? await this.sso.server.approve(checked, {
            identity,
            ...(connectorData === undefined ? {} : { connectorData }),
            ...(identityCheckedAt === undefined ? {} : { identityCheckedAt }),
          })
        : this.sso.server.deny(checked);
      this.oauth.audit.record({
        event: 'oauth_authorize',
        outcome: approved ? 'approved' : 'denied',
        front: 'aws-sso',
        client: checked.client.clientId,
        connector: identity.connectorId,
        subject: identity.subject,
        clientAddress: request.ip,
      });
      void reply
        .header('Cache-Control', 'no-store')
        .header('Referrer-Policy', 'no-referrer')
        .redirect(target, 303);
    } catch (error) {
      this.refused(reply, error);
    }
  }

  private async check(params: Record<string, string | undefined>) {
    checkScopes(params.scopes);
    return this.sso.server.checkAuthorizationRequest({ ...params, scope: undefined });
  }

  private refused(reply: FastifyReply, error: unknown): void {
    if (!(error instanceof OAuthError)) {
      throw error;
    }
    this.logger.info({ endpoint: 'aws-sso authorize', error: error.error }, 'oauth request refused');
    sendOAuthPage(reply, 400, {
      title: 'Login refused',
      paragraphs: [error.description, 'Run aws sso login again from your terminal.'],
    });
  }
}
