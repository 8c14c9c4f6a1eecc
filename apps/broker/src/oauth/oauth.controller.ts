import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LiveConfig } from '@fedgate/broker-config';
import type { Logger } from '@fedgate/logging';
import { authorizationServerMetadata, DEVICE_CODE_GRANT, OAuthError } from '@fedgate/oauth';
import { BROKER_STARTUP_CONFIG, BROKER_LOGGER, type BrokerStartupConfig } from '../tokens';
import { AuthorizeApproval } from './authorize-approval';
import { BrowserSessions } from './browser-session';
import { ANSWERED, type EndpointLimits, type EndpointSpec } from './oauth-endpoint';
import { formParams, sendOAuthError } from './oauth-reply';
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

/** RFC 6749 requires form bodies at these endpoints; JSON is refused rather than guessed at. */
function requireForm(request: FastifyRequest, body: unknown): Record<string, string | undefined> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== FORM_TYPE) {
    throw new OAuthError('invalid_request', `Send the parameters as ${FORM_TYPE}`);
  }
  return formParams(body);
}

/** A body field as sent, before the form is checked (to tell a device poll early). */
function rawField(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/** The client a form names is counted against its limit (callers using HTTP Basic name none in the form). */
async function countClient(
  limits: EndpointLimits,
  params: Record<string, string | undefined>,
): Promise<void> {
  if (params.client_id !== undefined && params.client_id !== '') {
    await limits.client(params.client_id);
  }
}

/**
 * fedgate's OAuth 2 endpoints for its own CLI (docs/http-api.md): HTTP only;
 * @fedgate/oauth decides. Token endpoint answers are JSON in RFC 6749's
 * shape and never cached.
 */
@Controller()
export class OAuthController {
  private readonly approval: AuthorizeApproval;

  constructor(
    @Inject(OAuthRuntime) private readonly oauth: OAuthRuntime,
    @Inject(BrowserSessions) browser: BrowserSessions,
    @Inject(BROKER_STARTUP_CONFIG) private readonly config: BrokerStartupConfig,
    @Inject(LiveConfig) private readonly liveConfig: LiveConfig,
    @Inject(BROKER_LOGGER) private readonly logger: Logger,
    @Inject(TokenExchangeGrant) private readonly tokenExchange: TokenExchangeGrant,
  ) {
    this.approval = new AuthorizeApproval(
      {
        path: '/oauth/authorize',
        params: AUTHORIZE_PARAMS,
        check: (params) => this.oauth.server.checkAuthorizationRequest(params),
        server: this.oauth.server,
        title: 'Log in the fedgate CLI?',
        question: (client, username) =>
          `${client} on this computer asks to act as ${username}. ` +
          'Approve only if you just ran fedgate login yourself.',
        command: 'fedgate login',
        logName: 'authorize',
        auditFields: {},
      },
      { browser, publicUrl: config.server.publicUrl, audit: oauth.audit, logger },
    );
  }

  /** The authorization endpoint (loopback redirect, PKCE S256): the approval page (AuthorizeApproval). */
  @Get('oauth/authorize')
  async authorize(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.approval.show(query, request, reply);
  }

  /** The user's answer to the approval page: the loopback redirect with a code, or with access_denied. */
  @Post('oauth/authorize')
  async approve(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.approval.decide(() => Promise.resolve(requireForm(request, body)), request, reply);
  }

  @Post('oauth/token')
  @HttpCode(200)
  async token(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const devicePoll = rawField(body, 'grant_type') === DEVICE_CODE_GRANT;
    await this.oauth.endpoints.serve(request, reply, this.spec('token', devicePoll), async (limits) => {
      const params = requireForm(request, body);
      await countClient(limits, params);
      if (params.grant_type === TokenExchangeGrant.grantType) {
        // The exchange counts its subject's user itself, once the subject token is verified.
        await this.tokenExchange.answer(params, request, reply);
        return ANSWERED;
      }
      if (params.grant_type === 'refresh_token') {
        const owner = await this.oauth.server.grants.refreshTokenOwner(params.refresh_token);
        if (owner !== null) {
          await limits.user(owner);
        }
      }
      return this.oauth.server.token(params);
    });
  }

  @Post('oauth/device_authorization')
  @HttpCode(200)
  async deviceAuthorization(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.oauth.endpoints.serve(request, reply, this.spec('device_authorization'), async (limits) => {
      const params = requireForm(request, body);
      await countClient(limits, params);
      return this.oauth.server.deviceAuthorization(params, request.ip);
    });
  }

  /** RFC 7009: 200 whether or not the token was known. */
  @Post('oauth/revoke')
  @HttpCode(200)
  async revoke(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.oauth.endpoints.serve(request, reply, this.spec('revoke'), async (limits) => {
      const params = requireForm(request, body);
      await countClient(limits, params);
      await this.oauth.server.revoke(params);
      return {};
    });
  }

  private spec(endpoint: string, devicePoll = false): EndpointSpec {
    return {
      front: 'oauth',
      endpoint,
      devicePoll,
      refuse: (reply, error) => {
        sendOAuthError(reply, error, this.logger, endpoint);
      },
    };
  }

  /** RFC 8414 metadata: where the endpoints are and what they accept. */
  @Get('.well-known/oauth-authorization-server')
  metadata(): Record<string, unknown> {
    // The token-exchange grant, and how its callers authenticate, when any caller is configured.
    const exchange = this.liveConfig.current.tokenExchange.clients.length > 0;
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
