import { randomBytes } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConnectorCatalog, connectorKind, isSamlConnector, isSignInConnector } from '@fedgate/connectors';
import { FedgateError } from '@fedgate/core';
import { PasswordSignIn, RedirectSignIn, SignOut, type CompletedSignIn } from '@fedgate/flows';
import { SessionManager, type BrokerSession } from '@fedgate/sessions';
import { autoPostForm } from '../http/auto-post-form';
import { noStore } from '../http/no-store';
import { assertSameOrigin } from '../http/origin-check';
import { parseBody } from '../http/parse-body';
import { clearCookie, cookieValue, setCookie } from '../http/cookies';
import { DeviceCookie } from '../http/device-cookie';
import { CurrentSession } from '../http/request-session';
import { SessionCookie } from '../http/session-cookie';
import { SignInCookie } from '../http/sign-in-cookie';
import { answerErrorsAsPage } from '../http/sign-in-error-page';
import { SessionGuard } from '../http/session.guard';
import { BROKER_STARTUP_CONFIG, type BrokerStartupConfig } from '../tokens';
import { describeUser } from './user-view';

const loginBody = z.strictObject({
  username: z.string().min(1, 'is required').max(256, 'is too long'),
  password: z.string().min(1, 'is required').max(1024, 'is too long'),
});
const beginQuery = z.object({ return_to: z.string().max(2048, 'is too long').optional() });
const callbackQuery = z.record(z.string(), z.string().max(8192, 'is too long'));
const samlPost = z.object({
  SAMLResponse: z.string().min(1, 'is required'),
  RelayState: z.string().max(256, 'is too long').optional(),
});

/**
 * Sign-in and sign-out over HTTP (docs/http-api.md). Only HTTP lives here:
 * the sign-in flows of @fedgate/flows decide; this parses, calls them and
 * sets cookies.
 */
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(ConnectorCatalog) private readonly connectors: ConnectorCatalog,
    @Inject(SessionManager) private readonly sessions: SessionManager,
    @Inject(PasswordSignIn) private readonly passwordSignIn: PasswordSignIn,
    @Inject(RedirectSignIn) private readonly redirectSignIn: RedirectSignIn,
    @Inject(SignOut) private readonly signOut: SignOut,
    @Inject(SessionCookie) private readonly cookie: SessionCookie,
    @Inject(SignInCookie) private readonly signInCookie: SignInCookie,
    @Inject(BROKER_STARTUP_CONFIG) private readonly config: BrokerStartupConfig,
  ) {}

  @Get('connectors')
  list(): { connectors: { id: string; type: string; name: string; kind: 'password' | 'redirect' }[] } {
    return {
      connectors: this.connectors
        .list()
        .filter(isSignInConnector)
        .map((connector) => ({
          id: connector.id,
          type: connector.type,
          name: connector.displayName,
          kind: connectorKind(connector) === 'password' ? 'password' : 'redirect',
        })),
    };
  }

  @Post(':connector/login')
  @HttpCode(200)
  // The answer holds the user's data and the CSRF token: no cache may keep it.
  @Header('Cache-Control', 'no-store')
  async login(
    @Param('connector') connectorId: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<Record<string, unknown>> {
    assertSameOrigin(request, this.config.server.publicUrl);
    const { username, password } = parseBody(loginBody, body);
    const deviceCookie = new DeviceCookie(this.config.server.publicUrl);
    const { token, session, device } = await this.passwordSignIn.signIn({
      connectorId,
      username,
      password,
      clientAddress: request.ip,
      replacesSession: this.currentSessionToken(request),
      device: cookieValue(request, deviceCookie.name),
    });
    setCookie(response, this.cookie.name, token, this.cookie.options);
    if (device !== undefined) {
      setCookie(response, deviceCookie.name, device.token, deviceCookie.options(device.maxAgeSeconds));
    }
    return { user: describeUser(session), csrfToken: session.csrfToken };
  }

  @Post('logout')
  @HttpCode(204)
  @UseGuards(SessionGuard)
  async logout(
    @CurrentSession() current: { token: string; session: BrokerSession },
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<void> {
    await this.signOut.end(current.token, current.session, request.ip);
    clearCookie(response, this.cookie.name, this.cookie.options);
  }

  /** Starts a redirect sign-in: binds it to this browser, then sends the browser to the provider. */
  @Get(':connector/login')
  async begin(
    @Param('connector') connectorId: string,
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ): Promise<void> {
    answerErrorsAsPage(response);
    const { return_to: returnTo } = parseBody(beginQuery, query);
    const begun = await this.redirectSignIn.begin({
      connectorId,
      returnTo,
      clientAddress: request.ip,
    });
    noStore(response);
    setCookie(response, this.signInCookie.name, begun.browserBinding, this.signInCookie.options(begun.kind));
    if (begun.redirect.kind === 'url') {
      void response.redirect(begun.redirect.url, 302);
      return;
    }
    const nonce = randomBytes(16).toString('base64');
    void response
      .status(200)
      .header('Content-Type', 'text/html; charset=utf-8')
      .header('Content-Security-Policy', `default-src 'none'; script-src 'nonce-${nonce}'; form-action *`)
      .send(autoPostForm(begun.redirect.action, begun.redirect.fields, nonce));
  }

  /** An OAuth provider's redirect back. */
  @Get(':connector/callback')
  async callback(
    @Param('connector') connectorId: string,
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ): Promise<void> {
    answerErrorsAsPage(response);
    const completed = await this.redirectSignIn.completeCallback({
      connectorId,
      query: parseBody(callbackQuery, query),
      ...this.returnContext(request),
    });
    this.finish(completed, response);
  }

  /** A SAML connector's SP metadata (entityID, ACS URL, certificates) for the IdP's administrator. */
  @Get(':connector/metadata')
  metadata(@Param('connector') connectorId: string, @Res() response: FastifyReply): void {
    const connector = this.connectors.get(connectorId);
    if (connector === undefined) {
      throw new FedgateError('unknown_connector', `No connector with id "${connectorId}"`);
    }
    if (!isSamlConnector(connector) || connector.spMetadata === undefined) {
      throw new FedgateError(
        'not_found',
        `Connector "${connectorId}" is not a SAML connector: it has no metadata`,
      );
    }
    const publicUrl = this.config.server.publicUrl.replace(/\/$/, '');
    const acsUrl = `${publicUrl}/auth/${encodeURIComponent(connector.id)}/callback`;
    void response
      .status(200)
      .header('Content-Type', 'application/samlmetadata+xml; charset=utf-8')
      .send(connector.spMetadata(acsUrl));
  }

  /** A SAML IdP's POST to the Assertion Consumer Service. */
  @Post(':connector/callback')
  async samlCallback(
    @Param('connector') connectorId: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() response: FastifyReply,
  ): Promise<void> {
    answerErrorsAsPage(response);
    const post = parseBody(samlPost, body);
    const completed = await this.redirectSignIn.completeSaml({
      connectorId,
      samlResponse: post.SAMLResponse,
      relayState: post.RelayState,
      ...this.returnContext(request),
    });
    this.finish(completed, response);
  }

  private returnContext(request: FastifyRequest): {
    browserBinding: string | undefined;
    clientAddress: string;
    replacesSession: string | undefined;
  } {
    const binding = cookieValue(request, this.signInCookie.name);
    return {
      browserBinding: binding,
      clientAddress: request.ip,
      replacesSession: this.currentSessionToken(request),
    };
  }

  /** A completed sign-in: the session cookie set, the binding cookie gone, the browser sent on. */
  private finish(completed: CompletedSignIn, response: FastifyReply): void {
    noStore(response);
    clearCookie(response, this.signInCookie.name, this.signInCookie.clearOptions);
    setCookie(response, this.cookie.name, completed.token, this.cookie.options);
    void response.redirect(completed.returnTo, 303);
  }

  private currentSessionToken(request: FastifyRequest): string | undefined {
    return cookieValue(request, this.cookie.name);
  }
}
