import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Logger } from '@fedgate/logging';
import { checkLoopbackRedirect, DEVICE_CODE_GRANT, OAuthError, type GrantType } from '@fedgate/oauth';
import { parseBody } from '../http/parse-body';
import type { EndpointSpec } from '../oauth/oauth-endpoint';
import { OAuthRuntime } from '../oauth/oauth-runtime';
import { BROKER_LOGGER } from '../tokens';
import { AwsSsoError, sendOidcError } from './aws-sso-errors';
import { AwsSsoRuntime } from './aws-sso-runtime';

/** The one scope AWS's clients ask for: access to the user's accounts and roles. */
const ACCOUNT_ACCESS_SCOPE = 'sso:account:access';
const GRANT_TYPES: readonly GrantType[] = ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT];
/** What a client that names no grant types gets: the device login and its refresh, as AWS does. */
const DEFAULT_GRANTS: readonly GrantType[] = [DEVICE_CODE_GRANT, 'refresh_token'];

const text = (max: number) => z.string().min(1, 'is required').max(max, 'is too long');

// Members AWS may add later are ignored (z.object), as AWS's own service ignores them.
const registerBody = z.object({
  clientName: text(128),
  clientType: text(32),
  scopes: z.array(text(256)).max(20).optional(),
  redirectUris: z.array(text(2048)).max(10).optional(),
  grantTypes: z.array(text(128)).max(5).optional(),
  issuerUrl: text(2048).optional(),
});
const deviceBody = z.object({ clientId: text(64), clientSecret: text(128), startUrl: text(2048) });
const tokenBody = z.object({
  clientId: text(64),
  clientSecret: text(128),
  grantType: text(128),
  deviceCode: text(256).optional(),
  code: text(256).optional(),
  refreshToken: text(256).optional(),
  redirectUri: text(2048).optional(),
  codeVerifier: text(256).optional(),
  scope: z.array(text(256)).max(20).optional(),
});

function grantTypesOf(requested: readonly string[] | undefined): GrantType[] {
  if (requested === undefined || requested.length === 0) {
    return [...DEFAULT_GRANTS];
  }
  return requested.map((grant) => {
    const known = GRANT_TYPES.find((candidate) => candidate === grant);
    if (known === undefined) {
      throw new OAuthError('unsupported_grant_type', `fedgate does not offer the ${grant} grant`);
    }
    return known;
  });
}

function checkScopes(scopes: readonly string[] | undefined): void {
  const other = scopes?.find((scope) => scope !== ACCOUNT_ACCESS_SCOPE);
  if (other !== undefined) {
    throw new OAuthError('invalid_scope', `fedgate grants only the ${ACCOUNT_ACCESS_SCOPE} scope`);
  }
}

/** The path of each loopback redirect URI (any port may be used later, RFC 8252). */
function loopbackPaths(uris: readonly string[] | undefined): string[] {
  return (uris ?? []).map((uri) => {
    try {
      let path: string;
      try {
        path = new URL(uri).pathname;
      } catch {
        throw new OAuthError('invalid_request', 'A redirect URI is not a URL');
      }
      checkLoopbackRedirect(uri, [path]);
      return path;
    } catch (error) {
      if (error instanceof OAuthError) {
        throw new AwsSsoError('InvalidRedirectUriException', 400, error.description);
      }
      throw error;
    }
  });
}

/**
 * AWS SSO OIDC (`sso-oidc`, REST-JSON) on fedgate: what `aws sso login`,
 * botocore and the AWS SDKs call to register themselves, log in with the
 * device code (confirmed on fedgate's device page) and refresh. Its base URL
 * is `{publicUrl}/aws-sso/oidc` (docs/aws-sso.md).
 */
@Controller('aws-sso/oidc')
export class SsoOidcController {
  constructor(
    @Inject(AwsSsoRuntime) private readonly sso: AwsSsoRuntime,
    @Inject(OAuthRuntime) private readonly oauth: OAuthRuntime,
    @Inject(BROKER_LOGGER) private readonly logger: Logger,
  ) {}

  /** RegisterClient: no client yet, so counted against the address only. */
  @Post('client/register')
  @HttpCode(200)
  async register(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.oauth.endpoints.serve(request, reply, this.spec('RegisterClient'), async () => {
      const input = parseBody(registerBody, body);
      if (input.clientType !== 'public') {
        throw new OAuthError('invalid_request', 'clientType must be public');
      }
      checkScopes(input.scopes);
      const grantTypes = grantTypesOf(input.grantTypes);
      const registered = await this.sso.registrations.register({
        name: input.clientName,
        grantTypes,
        loopbackRedirectPaths: loopbackPaths(input.redirectUris),
      });
      this.oauth.audit.record({
        event: 'aws_sso_client_registered',
        outcome: 'success',
        client: registered.clientId,
        grantTypes,
        clientAddress: request.ip,
      });
      return {
        clientId: registered.clientId,
        clientSecret: registered.clientSecret,
        clientIdIssuedAt: registered.issuedAt,
        clientSecretExpiresAt: registered.expiresAt,
        ...(grantTypes.includes('authorization_code')
          ? {
              authorizationEndpoint: `${this.sso.startUrl}/aws-sso/oidc/authorize`,
              tokenEndpoint: `${this.sso.startUrl}/aws-sso/oidc/token`,
            }
          : {}),
      };
    });
  }

  /** StartDeviceAuthorization: the user types the code on fedgate's device page. */
  @Post('device_authorization')
  @HttpCode(200)
  async deviceAuthorization(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.oauth.endpoints.serve(
      request,
      reply,
      this.spec('StartDeviceAuthorization'),
      async (limits) => {
        const input = parseBody(deviceBody, body);
        // Counted against the client once it proved to be that client: a stranger cannot spend its allowance.
        await this.sso.registrations.authenticate(input.clientId, input.clientSecret);
        await limits.client(input.clientId);
        if (input.startUrl.replace(/\/+$/, '') !== this.sso.startUrl) {
          throw new OAuthError(
            'invalid_request',
            `startUrl must be this fedgate's URL, ${this.sso.startUrl}`,
          );
        }
        const started = await this.sso.server.deviceAuthorization({ client_id: input.clientId }, request.ip);
        return {
          deviceCode: started.device_code,
          userCode: started.user_code,
          verificationUri: started.verification_uri,
          // The page without the code: fedgate's page never takes a code from its link (phishing).
          verificationUriComplete: started.verification_uri,
          expiresIn: started.expires_in,
          interval: started.interval,
        };
      },
    );
  }

  /** CreateToken: the device code, refresh token or authorization code grant. */
  @Post('token')
  @HttpCode(200)
  async token(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const devicePoll =
      typeof body === 'object' &&
      body !== null &&
      (body as Record<string, unknown>).grantType === DEVICE_CODE_GRANT;
    await this.oauth.endpoints.serve(request, reply, this.spec('CreateToken', devicePoll), async (limits) => {
      const input = parseBody(tokenBody, body);
      await this.sso.registrations.authenticate(input.clientId, input.clientSecret);
      await limits.client(input.clientId);
      checkScopes(input.scope);
      if (input.grantType === 'refresh_token') {
        const owner = await this.sso.server.grants.refreshTokenOwner(input.refreshToken);
        if (owner !== null) {
          await limits.user(owner);
        }
      }
      const tokens = await this.sso.server.token({
        client_id: input.clientId,
        grant_type: input.grantType,
        device_code: input.deviceCode,
        code: input.code,
        refresh_token: input.refreshToken,
        redirect_uri: input.redirectUri,
        code_verifier: input.codeVerifier,
      });
      return {
        accessToken: tokens.access_token,
        tokenType: tokens.token_type,
        expiresIn: tokens.expires_in,
        refreshToken: tokens.refresh_token,
      };
    });
  }

  private spec(operation: string, devicePoll = false): EndpointSpec {
    return {
      front: 'aws-sso',
      endpoint: operation,
      devicePoll,
      refuse: (reply, error) => {
        sendOidcError(reply, error, this.logger, operation);
      },
    };
  }
}
