import { timingSafeEqual } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FedgateError } from '@fedgate/core';
import type { Logger } from '@fedgate/logging';
import { authorizationServerMetadata, OAuthError } from '@fedgate/oauth';
import { assertSameOrigin } from '../http/origin-check';
import { BROKER_STARTUP_CONFIG, BROKER_LOGGER, type BrokerStartupConfig } from '../tokens';
import { BrowserSessions, signInRedirect } from './browser-session';
import { sendOAuthPage } from './oauth-pages';
import { formParams, oauthNoStore, sendOAuthError } from './oauth-reply';
import { OAuthRuntime } from './oauth-runtime';
import { TokenExchangeGrant } from './token-exchange/token-exchange-grant';

const FORM_TYPE = 'application/x-www-form-urlencoded';

/** The authorization request's parameters, carried through the approval form. */
const AUTHORIZE_PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'state',
  'code_challenge',
  'code_challenge_method',
  'scope',
] as const;

function authorizeQuery(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const name of AUTHORIZE_PARAMS) {
    const value = params[name];
    if (value !== undefined) {
      query.set(name, value);
    }
  }
  return query.toString();
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** RFC 6749 requires form bodies at these endpoints; JSON is refused rather than guessed at. */
function requireForm(request: FastifyRequest, body: unknown): Record<string, string | undefined> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== FORM_TYPE) {
    throw new OAuthError('invalid_request', `Send the parameters as ${FORM_TYPE}`);
  }
  return formParams(body);
}

/** A query's parameters, each at most once (RFC 6749 section 3.1). */
function queryParams(query: unknown): Record<string, string | undefined> {
  if (typeof query !== 'object' || query === null) {
    return {};
  }
  const entries = Object.entries(query as Record<string, unknown>);
  if (entries.some(([, value]) => typeof value !== 'string')) {
    throw new OAuthError('invalid_request', 'A parameter was given more than once');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * fedgate's OAuth 2 endpoints for its own CLI (docs/http-api.md): HTTP only;
 * @fedgate/oauth decides. Token endpoint answers are JSON in RFC 6749's
 * shape and never cached.
 */
@Controller()
export class OAuthController {
  constructor(
    @Inject(OAuthRuntime) private readonly oauth: OAuthRuntime,
    @Inject(BrowserSessions) private readonly browser: BrowserSessions,
    @Inject(BROKER_STARTUP_CONFIG) private readonly config: BrokerStartupConfig,
    @Inject(BROKER_LOGGER) private readonly logger: Logger,
    @Inject(TokenExchangeGrant) private readonly tokenExchange: TokenExchangeGrant,
  ) {}

  /**
   * The authorization endpoint (loopback redirect, PKCE S256). The request is
   * checked before anything else; a refused one is shown on a page and never
   * redirected. A browser without a session signs in first and comes back;
   * a signed-in user is asked to approve (RFC 8252 section 8.6: no silent
   * approval, or any web page could have a code sent to a listener of its
   * choosing on this machine).
   */
  @Get('oauth/authorize')
  async authorize(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      const params = queryParams(query);
      const checked = await this.oauth.server.checkAuthorizationRequest(params);
      const current = await this.browser.current(request);
      if (current === null) {
        void oauthNoStore(reply).redirect(signInRedirect(request.url), 302);
        return;
      }
      const target = new URL(checked.redirectUri);
      sendOAuthPage(reply, 200, {
        title: 'Log in the fedgate CLI?',
        paragraphs: [
          `${checked.client.name} on this computer asks to act as ${current.session.identity.username}. ` +
            'Approve only if you just ran fedgate login yourself.',
        ],
        facts: [
          { label: 'Client', value: checked.client.name },
          { label: 'Answer goes to', value: `${target.host} (this computer)` },
        ],
        // The approval answers with a redirect to the checked loopback URI.
        formRedirects: [target.origin],
        form: {
          action: '/oauth/authorize',
          hidden: [
            { name: 'csrf', value: current.session.csrfToken },
            ...AUTHORIZE_PARAMS.flatMap((name) => {
              const value = params[name];
              return value === undefined ? [] : [{ name, value }];
            }),
          ],
          buttons: [
            { name: 'action', value: 'approve', label: 'Approve' },
            { name: 'action', value: 'deny', label: 'Deny' },
          ],
        },
      });
    } catch (error) {
      this.refusedPage(reply, error);
    }
  }

  /** The user's answer to the approval page: the loopback redirect with a code, or with access_denied. */
  @Post('oauth/authorize')
  async approve(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      const params = requireForm(request, body);
      const checked = await this.oauth.server.checkAuthorizationRequest(params);
      const current = await this.browser.current(request);
      if (current === null) {
        void oauthNoStore(reply).redirect(signInRedirect(`/oauth/authorize?${authorizeQuery(params)}`), 303);
        return;
      }
      assertSameOrigin(request, this.config.server.publicUrl);
      if (!sameSecret(params.csrf ?? '', current.session.csrfToken)) {
        throw new FedgateError('csrf_rejected', 'Missing or wrong CSRF token; run fedgate login again');
      }
      const { identity, connectorData, identityCheckedAt } = current.session;
      const approved = params.action === 'approve';
      const target = approved
        ? await this.oauth.server.approve(checked, {
            identity,
            ...(connectorData === undefined ? {} : { connectorData }),
            ...(identityCheckedAt === undefined ? {} : { identityCheckedAt }),
          })
        : this.oauth.server.deny(checked);
      this.oauth.audit.record({
        event: 'oauth_authorize',
        outcome: approved ? 'approved' : 'denied',
        client: checked.client.clientId,
        connector: identity.connectorId,
        subject: identity.subject,
        clientAddress: request.ip,
      });
      void oauthNoStore(reply).header('Referrer-Policy', 'no-referrer').redirect(target, 303);
    } catch (error) {
      this.refusedPage(reply, error);
    }
  }

  private refusedPage(reply: FastifyReply, error: unknown): void {
    if (!(error instanceof OAuthError)) {
      throw error;
    }
    this.logger.info({ endpoint: 'authorize', error: error.error }, 'oauth request refused');
    sendOAuthPage(reply, 400, {
      title: 'Login refused',
      paragraphs: [error.description, 'Run fedgate login again from your terminal.'],
    });
  }

  @Post('oauth/token')
  @HttpCode(200)
  async token(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      await this.oauth.endpointLimit.take(request.ip);
      const params = requireForm(request, body);
      if (params.grant_type === TokenExchangeGrant.grantType) {
        await this.tokenExchange.answer(params, request, reply);
        return;
      }
      const tokens = await this.oauth.server.token(params);
      void oauthNoStore(reply).status(200).send(tokens);
    } catch (error) {
      sendOAuthError(reply, error, this.logger, 'token');
    }
  }

  @Post('oauth/device_authorization')
  @HttpCode(200)
  async deviceAuthorization(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      await this.oauth.endpointLimit.take(request.ip);
      const started = await this.oauth.server.deviceAuthorization(requireForm(request, body), request.ip);
      void oauthNoStore(reply).status(200).send(started);
    } catch (error) {
      sendOAuthError(reply, error, this.logger, 'device_authorization');
    }
  }

  /** RFC 7009: 200 whether or not the token was known. */
  @Post('oauth/revoke')
  @HttpCode(200)
  async revoke(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      await this.oauth.endpointLimit.take(request.ip);
      await this.oauth.server.revoke(requireForm(request, body));
      void oauthNoStore(reply).status(200).send({});
    } catch (error) {
      sendOAuthError(reply, error, this.logger, 'revoke');
    }
  }

  /** RFC 8414 metadata: where the endpoints are and what they accept. */
  @Get('.well-known/oauth-authorization-server')
  metadata(): Record<string, unknown> {
    // The token-exchange grant, and how its callers authenticate, when any caller is configured.
    const exchange = this.config.tokenExchange.clients.length > 0;
    return authorizationServerMetadata(
      this.config.server.publicUrl,
      exchange
        ? {
            grantTypes: ['urn:ietf:params:oauth:grant-type:token-exchange'],
            authMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
          }
        : {},
    );
  }
}
