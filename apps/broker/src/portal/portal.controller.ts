import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LiveConfig } from '@fedgate/broker-config';
import { ConnectorCatalog, connectorKind, isSignInConnector } from '@fedgate/connectors';
import { FedgateError, isFedgateError } from '@fedgate/core';
import { CredentialsFlow, IdentityRefresh, PasswordSignIn, SignOut } from '@fedgate/flows';
import { formatAwsTimestamp } from '@fedgate/issuance';
import { evaluate } from '@fedgate/mapping';
import { SessionManager } from '@fedgate/sessions';
import { clearCookie, cookieValue, setCookie } from '../http/cookies';
import { DeviceCookie } from '../http/device-cookie';
import { httpStatusFor } from '../http/error-response';
import { parseBody } from '../http/parse-body';
import { SessionCookie } from '../http/session-cookie';
import { BROKER_CLOCK, BROKER_STARTUP_CONFIG, type BrokerClock, type BrokerStartupConfig } from '../tokens';
import { loadPortalAssets, type PortalAsset } from './portal-assets';
import { PortalPages } from './portal-pages';
import { PortalSessions, type PortalRequestFacts, type PortalSession } from './portal-sessions';
import {
  formActionSources,
  logoSources,
  portalContentSecurityPolicy,
  portalPageHeaders,
} from './security-headers';
import { accountsView, findPermissionSet, type AccountView } from './view-models/accounts-view';
import { sessionView } from './view-models/session-view';
import {
  signInErrorMessage,
  signInView,
  type SignInChoice,
  type SignInFailure,
} from './view-models/sign-in-view';
import { configProfile, credentialSnippets, profileName } from './view-models/snippets';
import { utcMinute } from './view-models/session-view';

const signInQuery = z.object({
  return_to: z.string().max(2048).optional(),
  signed_out: z.string().max(8).optional(),
});
const signInForm = z.strictObject({
  username: z.string().max(256, 'the username is too long'),
  password: z.string().max(1024, 'the password is too long'),
  return_to: z.string().max(2048).optional(),
});
const csrfForm = z.strictObject({ csrf_token: z.string().max(256) });
const consoleForm = z.object({ destination: z.string().min(1).max(2048).optional() }).loose();
const target = z.strictObject({
  accountId: z.string().min(1).max(64),
  permissionSet: z.string().min(1).max(64),
});

/** Failures the sign-in page explains; anything else is a bug, answered by the errors filter. */
function shownOnSignInPage(error: unknown): error is FedgateError {
  if (!isFedgateError(error)) {
    return false;
  }
  return (
    httpStatusFor(error.code) < 500 || error.code === 'idp_unavailable' || error.code === 'store_unavailable'
  );
}

const EXPLAINED_SERVER_ERRORS: readonly string[] = [
  'upstream_unavailable',
  'upstream_throttled',
  'store_unavailable',
];

/** Failures of an issuance the page explains: the user's request, or STS and the store being unavailable. */
function shownOnErrorPage(error: unknown): error is FedgateError {
  if (!isFedgateError(error)) {
    return false;
  }
  return httpStatusFor(error.code) < 500 || EXPLAINED_SERVER_ERRORS.includes(error.code);
}

/** The path and query a browser asked for, to come back to after signing in. */
function requestedPath(request: FastifyRequest): string {
  return request.url;
}

/**
 * The employee portal (docs/portal.md): server-rendered pages over the same
 * flows as the JSON API. Only HTTP lives here: reading the request, calling
 * a flow, rendering a page and setting cookies. Every page carries the
 * portal's security headers and is never stored by a cache.
 */
@Controller()
export class PortalController {
  private readonly pages = new PortalPages();
  private readonly assets: Map<string, PortalAsset> = loadPortalAssets();
  private readonly pageHeaders: Record<string, string>;
  private readonly portalSessions: PortalSessions;
  private readonly deviceCookie: DeviceCookie;

  constructor(
    @Inject(ConnectorCatalog) private readonly connectors: ConnectorCatalog,
    @Inject(PasswordSignIn) private readonly passwordSignIn: PasswordSignIn,
    @Inject(CredentialsFlow) private readonly flow: CredentialsFlow,
    @Inject(SessionCookie) private readonly cookie: SessionCookie,
    @Inject(BROKER_STARTUP_CONFIG) private readonly config: BrokerStartupConfig,
    @Inject(LiveConfig) private readonly liveConfig: LiveConfig,
    @Inject(BROKER_CLOCK) private readonly now: BrokerClock,
    @Inject(SessionManager) sessions: SessionManager,
    @Inject(IdentityRefresh) identityRefresh: IdentityRefresh,
    @Inject(SignOut) private readonly signOutFlow: SignOut,
  ) {
    this.pageHeaders = portalPageHeaders(
      portalContentSecurityPolicy(
        formActionSources(config.backends),
        logoSources(connectors.list().map((connector) => connector.logoUrl)),
      ),
    );
    this.portalSessions = new PortalSessions(
      sessions,
      identityRefresh,
      new URL(config.server.publicUrl).origin,
    );
    this.deviceCookie = new DeviceCookie(config.server.publicUrl);
  }

  /** The sign-in page; a signed-in browser goes on to its accounts (or where it was going). */
  @Get()
  async signIn(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { return_to: returnTo, signed_out: signedOut } = parseBody(signInQuery, query);
    const current = await this.portalSessions.forPage(this.facts(request));
    const view = signInView(this.signInChoices(), {
      returnTo,
      ...(signedOut === undefined ? {} : { notice: 'You have signed out.' }),
    });
    if (current !== undefined) {
      this.redirect(reply, view.returnTo === '/' ? '/accounts' : view.returnTo);
      return;
    }
    this.sendPage(reply, 200, this.pages.signIn(view));
  }

  /**
   * The sign-in form of a password connector: the password sign-in flow (the
   * same as POST /auth/{connector}/login), answered for a browser: on to the
   * return path, or the sign-in page again with what went wrong in words.
   */
  @Post('sign-in/:connector')
  async signInWithPassword(
    @Param('connector') connectorId: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = parseBody(signInForm, body);
    const facts = this.facts(request);
    try {
      if (facts.origin !== undefined && facts.origin !== new URL(this.config.server.publicUrl).origin) {
        throw new FedgateError('csrf_rejected', 'Cross-site request refused', {
          detail: { origin: facts.origin },
        });
      }
      if (form.username.trim() === '' || form.password === '') {
        throw new FedgateError('invalid_request', 'Type both your username and your password');
      }
      const { token, device } = await this.passwordSignIn.signIn({
        connectorId,
        username: form.username,
        password: form.password,
        clientAddress: facts.clientAddress,
        replacesSession: facts.sessionToken,
        device: cookieValue(request, this.deviceCookie.name),
      });
      setCookie(reply, this.cookie.name, token, this.cookie.options);
      if (device !== undefined) {
        setCookie(
          reply,
          this.deviceCookie.name,
          device.token,
          this.deviceCookie.options(device.maxAgeSeconds),
        );
      }
      const returnTo = signInView([], { returnTo: form.return_to }).returnTo;
      this.redirect(reply, returnTo === '/' ? '/accounts' : returnTo);
    } catch (error) {
      if (!shownOnSignInPage(error)) {
        throw error;
      }
      const failure: SignInFailure = {
        connectorId,
        username: form.username,
        message: signInErrorMessage(error, this.now()),
      };
      if (error.retryAfterSeconds !== undefined) {
        reply.header('Retry-After', String(error.retryAfterSeconds));
      }
      this.sendPage(
        reply,
        httpStatusFor(error.code),
        this.pages.signIn(signInView(this.signInChoices(), { returnTo: form.return_to, failure })),
      );
    }
  }

  /** Every account the user may use, each with its permission sets. */
  @Get('accounts')
  async accounts(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const current = await this.portalSessions.forPage(this.facts(request));
    if (current === undefined) {
      this.toSignIn(reply, requestedPath(request));
      return;
    }
    this.sendPage(
      reply,
      200,
      this.pages.accounts({ ...this.signedInPage(current), accounts: this.accountsOf(current) }),
    );
  }

  /** One permission set's "Command line" page: the ~/.aws/config profile, and credentials on request. */
  @Get('accounts/:accountId/:permissionSet')
  async commandLine(
    @Param() params: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const current = await this.portalSessions.forPage(this.facts(request));
    if (current === undefined) {
      this.toSignIn(reply, requestedPath(request));
      return;
    }
    await this.answerCommandLine(reply, current, parseBody(target, params), false, this.facts(request));
  }

  /** "Show credentials": issues them (a POST with the CSRF token) and shows them on the page, never in a URL. */
  @Post('accounts/:accountId/:permissionSet/credentials')
  async credentials(
    @Param() params: unknown,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const facts = this.facts(request);
    const current = await this.formSession(facts, body, reply);
    if (current === undefined) {
      return;
    }
    await this.answerCommandLine(reply, current, parseBody(target, params), true, facts);
  }

  /** The "Console" button: a POST with the CSRF token, answered by a redirect to the console sign-in URL. */
  @Post('console/:accountId/:permissionSet')
  async console(
    @Param() params: unknown,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const facts = this.facts(request);
    // The console link's confirmation page (console.controller.ts) posts its destination too.
    const { destination, ...form } = parseBody(consoleForm, body ?? {});
    const current = await this.formSession(facts, form, reply);
    if (current === undefined) {
      return;
    }
    try {
      const url = await this.flow.consoleUrl(
        current.session.identity,
        { ...parseBody(target, params), ...(destination === undefined ? {} : { destination }) },
        { clientAddress: facts.clientAddress },
      );
      // The URL holds a sign-in token: not cached, not sent on as a Referer, never logged.
      void reply
        .header('Cache-Control', 'no-store')
        .header('Pragma', 'no-cache')
        .header('Referrer-Policy', 'no-referrer')
        .redirect(url, 303);
    } catch (error) {
      this.sendError(reply, error, 'The console could not be opened', current);
    }
  }

  /** Sign out: ends the session (a POST with the CSRF token) and shows the sign-in page. */
  @Post('sign-out')
  async signOut(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const current = await this.formSession(this.facts(request), body, reply);
    if (current === undefined) {
      return;
    }
    await this.signOutFlow.end(current.token, current.session, request.ip);
    clearCookie(reply, this.cookie.name, this.cookie.options);
    // Tells the browser to drop what it kept of this site's pages (the back button then shows nothing private).
    reply.header('Clear-Site-Data', '"cache"');
    this.redirect(reply, '/?signed_out=1');
  }

  /** The stylesheet and the script: fedgate's own files, the only ones the pages' CSP allows. */
  @Get('portal/assets/:name')
  asset(@Param('name') name: string, @Res() reply: FastifyReply): void {
    const asset = this.assets.get(name);
    if (asset === undefined) {
      throw new FedgateError('not_found', 'No such file');
    }
    void reply.status(200).headers(asset.headers).send(asset.body);
  }

  private async answerCommandLine(
    reply: FastifyReply,
    current: PortalSession,
    wanted: z.infer<typeof target>,
    withCredentials: boolean,
    facts: PortalRequestFacts,
  ): Promise<void> {
    const found = findPermissionSet(this.accountsOf(current), wanted.accountId, wanted.permissionSet);
    if (found === undefined) {
      this.sendError(
        reply,
        new FedgateError(
          'not_entitled',
          `You have no permission set "${wanted.permissionSet}" in account "${wanted.accountId}"`,
        ),
        'Not one of your permission sets',
        current,
      );
      return;
    }
    const { account, permissionSet } = found;
    const profile = profileName(account.name, permissionSet.name);
    const page = {
      ...this.signedInPage(current),
      account,
      permissionSet,
      profile: {
        name: profile,
        snippet: {
          id: 'config',
          title: '~/.aws/config',
          hint: 'Needs the fedgate command on this computer.',
          text: configProfile(profile, {
            brokerUrl: this.config.server.publicUrl.replace(/\/$/, ''),
            accountId: account.id,
            permissionSet: permissionSet.name,
          }),
        },
      },
    };
    if (!withCredentials) {
      this.sendPage(reply, 200, this.pages.commandLine(page));
      return;
    }
    try {
      const issued = await this.flow.credentials(
        current.session.identity,
        { accountId: account.id, permissionSet: permissionSet.name },
        { clientAddress: facts.clientAddress },
      );
      const expiration = formatAwsTimestamp(issued.expiration);
      this.sendPage(
        reply,
        200,
        this.pages.commandLine({
          ...page,
          credentials: {
            expiration,
            expirationText: utcMinute(expiration),
            snippets: credentialSnippets(profile, {
              accessKeyId: issued.accessKeyId,
              secretAccessKey: issued.secretAccessKey,
              sessionToken: issued.sessionToken,
              expiration,
            }),
          },
        }),
      );
    } catch (error) {
      this.sendError(reply, error, 'No credentials could be issued', current);
    }
  }

  /**
   * The session a form post runs with, or undefined once the answer is given:
   * signed out goes to sign-in; a wrong CSRF token or a cross-site Origin is a
   * 403 page, and nothing was done.
   */
  private async formSession(
    facts: PortalRequestFacts,
    body: unknown,
    reply: FastifyReply,
  ): Promise<PortalSession | undefined> {
    try {
      const form = csrfForm.safeParse(body ?? {});
      const current = await this.portalSessions.forForm(
        facts,
        form.success ? form.data.csrf_token : undefined,
      );
      if (current === undefined) {
        this.toSignIn(reply, '/accounts');
      }
      return current;
    } catch (error) {
      if (!isFedgateError(error) || error.code !== 'csrf_rejected') {
        throw error;
      }
      this.sendError(reply, error, 'This form could not be sent', undefined);
      return undefined;
    }
  }

  private accountsOf(current: PortalSession): AccountView[] {
    // One config for the whole page, even if a reload lands in between.
    const config = this.liveConfig.current;
    const evaluation = evaluate(current.session.identity, config, { now: new Date(this.now()) });
    return accountsView(evaluation, (accountId) => {
      const account = config.accounts.find((candidate) => candidate.id === accountId);
      return config.backends.find((backend) => backend.id === account?.backend)?.partition ?? 'aws';
    });
  }

  private signedInPage(current: PortalSession): {
    session: ReturnType<typeof sessionView>;
    csrfToken: string;
  } {
    return {
      session: sessionView(current.session, (id) => this.connectors.get(id)?.displayName ?? id),
      csrfToken: current.session.csrfToken,
    };
  }

  private signInChoices(): SignInChoice[] {
    return this.connectors
      .list()
      .filter(isSignInConnector)
      .map((connector) => ({
        id: connector.id,
        name: connector.displayName,
        kind: connectorKind(connector) === 'password' ? 'password' : 'redirect',
        logoUrl: connector.logoUrl,
      }));
  }

  private facts(request: FastifyRequest): PortalRequestFacts {
    return {
      sessionToken: cookieValue(request, this.cookie.name),
      origin: request.headers.origin,
      clientAddress: request.ip,
    };
  }

  /** A failed action, as a page in words; server errors say nothing of their cause. */
  private sendError(
    reply: FastifyReply,
    error: unknown,
    title: string,
    current: PortalSession | undefined,
  ): void {
    if (!shownOnErrorPage(error)) {
      throw error;
    }
    const status = httpStatusFor(error.code);
    if (error.retryAfterSeconds !== undefined) {
      reply.header('Retry-After', String(error.retryAfterSeconds));
    }
    this.sendPage(
      reply,
      status,
      this.pages.error({
        title,
        message: error.message,
        ...(current === undefined ? {} : this.signedInPage(current)),
      }),
    );
  }

  private sendPage(reply: FastifyReply, status: number, html: string): void {
    void reply.status(status).headers(this.pageHeaders).send(html);
  }

  private redirect(reply: FastifyReply, location: string): void {
    void reply.header('Cache-Control', 'no-store').redirect(location, 303);
  }

  private toSignIn(reply: FastifyReply, returnTo: string): void {
    this.redirect(reply, returnTo === '/' ? '/' : `/?return_to=${encodeURIComponent(returnTo)}`);
  }
}
