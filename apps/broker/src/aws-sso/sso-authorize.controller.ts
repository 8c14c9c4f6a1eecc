import { Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@fedgate/logging';
import { OAuthError } from '@fedgate/oauth';
import { withBodyHeaders } from '../http/deferred-body';
import { readRequestBody } from '../http/read-request-body';
import { AuthorizeApproval, singleParams } from '../oauth/authorize-approval';
import { BrowserSessions } from '../oauth/browser-session';
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
  private readonly approval: AuthorizeApproval;

  constructor(
    @Inject(AwsSsoRuntime) private readonly sso: AwsSsoRuntime,
    @Inject(OAuthRuntime) oauth: OAuthRuntime,
    @Inject(BrowserSessions) browser: BrowserSessions,
    @Inject(BROKER_STARTUP_CONFIG) private readonly config: BrokerStartupConfig,
    @Inject(BROKER_LOGGER) logger: Logger,
  ) {
    this.approval = new AuthorizeApproval(
      {
        path: AUTHORIZE_PATH,
        params: PARAMS,
        check: async (params) => {
          checkScopes(params.scopes);
          return this.sso.server.checkAuthorizationRequest({ ...params, scope: undefined });
        },
        server: this.sso.server,
        title: 'Log in an AWS tool?',
        question: (client, username) =>
          `${client} on this computer asks for AWS access as ${username}. ` +
          'Approve only if you just ran aws sso login (or another AWS tool) yourself.',
        command: 'aws sso login',
        logName: 'aws-sso authorize',
        auditFields: { front: 'aws-sso' },
      },
      { browser, publicUrl: config.server.publicUrl, audit: oauth.audit, logger },
    );
  }

  @Get('aws-sso/oidc/authorize')
  async authorize(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.approval.show(query, request, reply);
  }

  /**
   * The approval form's answer. The route takes a form, which the broker's
   * body reader allows only where asked: read here with that kind.
   */
  @Post('aws-sso/oidc/authorize')
  async decide(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.approval.decide(
      async () =>
        singleParams(
          await readRequestBody(
            withBodyHeaders(request.raw),
            'json-or-form',
            this.config.server.maxBodyBytes,
          ),
        ),
      request,
      reply,
    );
  }
}
