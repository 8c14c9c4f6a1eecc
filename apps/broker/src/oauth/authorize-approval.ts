import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FedgateError } from '@fedgate/core';
import type { AuditTrail } from '@fedgate/flows';
import type { Logger } from '@fedgate/logging';
import { OAuthError, type AuthorizationRequest, type AuthorizationServer } from '@fedgate/oauth';
import { assertSameOrigin } from '../http/origin-check';
import type { BrowserSessions } from './browser-session';
import { signInRedirect } from './browser-session';
import { sendOAuthPage } from './oauth-pages';
import { oauthNoStore } from './oauth-reply';

/** Constant-time comparison of a posted CSRF token with the session's. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A query's or form's fields as strings, each at most once (RFC 6749 section 3.1). */
export function singleParams(source: unknown): Record<string, string | undefined> {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    return {};
  }
  const entries = Object.entries(source as Record<string, unknown>);
  if (entries.some(([, value]) => typeof value !== 'string')) {
    throw new OAuthError('invalid_request', 'A parameter was given more than once');
  }
  // fromEntries makes own properties: a field named __proto__ is just a field.
  return Object.fromEntries(entries) as Record<string, string>;
}

/** What differs between the front doors that ask a user to approve a loopback login. */
export interface AuthorizeFront {
  /** The authorization endpoint's path, where the approval form posts. */
  path: string;
  /** The request's parameters, carried through the approval form and the sign-in detour. */
  params: readonly string[];
  /** Checks the request's parameters (the client, its loopback redirect, PKCE, the scope). */
  check(params: Record<string, string | undefined>): Promise<AuthorizationRequest>;
  /** The server that issues the code. */
  server: Pick<AuthorizationServer, 'approve' | 'deny'>;
  /** The approval page's title and its question. */
  title: string;
  question(clientName: string, username: string): string;
  /** The command the user runs again after a refusal, e.g. `fedgate login`. */
  command: string;
  /** The endpoint's name in the log. */
  logName: string;
  /** Fields every audit line of this front carries (`front: 'aws-sso'`). */
  auditFields: Record<string, string>;
}

/** What the approval needs of the broker. */
export interface AuthorizeApprovalDeps {
  browser: Pick<BrowserSessions, 'current'>;
  publicUrl: string;
  audit: AuditTrail;
  logger: Logger;
}

/**
 * The authorization endpoint of a loopback login (PKCE), shared by
 * fedgate's own OAuth endpoints and its AWS SSO OIDC API so that the two
 * cannot drift. The request is checked before anything else; a refused one
 * is shown on a page and never redirected. A browser without a session
 * signs in first and comes back; a signed-in user is asked to approve
 * (RFC 8252 section 8.6: no silent approval, or any web page could have a
 * code sent to a listener of its choosing on this machine). The answer
 * carries the session's CSRF token and a same-site Origin.
 */
export class AuthorizeApproval {
  constructor(
    private readonly front: AuthorizeFront,
    private readonly deps: AuthorizeApprovalDeps,
  ) {}

  /** GET: the approval page, or the sign-in detour. */
  async show(query: unknown, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      const params = singleParams(query);
      const checked = await this.front.check(params);
      const current = await this.deps.browser.current(request);
      if (current === null) {
        void oauthNoStore(reply).redirect(signInRedirect(request.url), 302);
        return;
      }
      const target = new URL(checked.redirectUri);
      sendOAuthPage(reply, 200, {
        title: this.front.title,
        paragraphs: [this.front.question(checked.client.name, current.session.identity.username)],
        facts: [
          { label: 'Client', value: checked.client.name },
          { label: 'Answer goes to', value: `${target.host} (this computer)` },
        ],
        // The approval answers with a redirect to the checked loopback URI.
        formRedirects: [target.origin],
        form: {
          action: this.front.path,
          hidden: [
            { name: 'csrf', value: current.session.csrfToken },
            ...this.front.params.flatMap((name) => {
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
      this.refused(reply, error);
    }
  }

  /**
   * POST: the user's answer, read by the front door (`readParams`): the
   * loopback redirect with a code, or with access_denied.
   */
  async decide(
    readParams: () => Promise<Record<string, string | undefined>>,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    try {
      const params = await readParams();
      const checked = await this.front.check(params);
      const current = await this.deps.browser.current(request);
      if (current === null) {
        void oauthNoStore(reply).redirect(signInRedirect(`${this.front.path}?${this.query(params)}`), 303);
        return;
      }
      assertSameOrigin(request, this.deps.publicUrl);
      if (!sameSecret(params.csrf ?? '', current.session.csrfToken)) {
        throw new FedgateError(
          'csrf_rejected',
          `Missing or wrong CSRF token; run ${this.front.command} again`,
        );
      }
      const { identity, connectorData, identityCheckedAt } = current.session;
      const approved = params.action === 'approve';
      const target = approved
        ? await this.front.server.approve(checked, {
            identity,
            ...(connectorData === undefined ? {} : { connectorData }),
            ...(identityCheckedAt === undefined ? {} : { identityCheckedAt }),
          })
        : this.front.server.deny(checked);
      this.deps.audit.record({
        event: 'oauth_authorize',
        outcome: approved ? 'approved' : 'denied',
        ...this.front.auditFields,
        client: checked.client.clientId,
        connector: identity.connectorId,
        subject: identity.subject,
        clientAddress: request.ip,
      });
      void oauthNoStore(reply).header('Referrer-Policy', 'no-referrer').redirect(target, 303);
    } catch (error) {
      this.refused(reply, error);
    }
  }

  /** The request's own parameters, for coming back after signing in. */
  private query(params: Record<string, string | undefined>): string {
    const query = new URLSearchParams();
    for (const name of this.front.params) {
      const value = params[name];
      if (value !== undefined) {
        query.set(name, value);
      }
    }
    return query.toString();
  }

  /** An OAuth refusal on a page (never a redirect); anything else goes to the broker's error handler. */
  private refused(reply: FastifyReply, error: unknown): void {
    if (!(error instanceof OAuthError)) {
      throw error;
    }
    this.deps.logger.info({ endpoint: this.front.logName, error: error.error }, 'oauth request refused');
    sendOAuthPage(reply, 400, {
      title: 'Login refused',
      paragraphs: [error.description, `Run ${this.front.command} again from your terminal.`],
    });
  }
}
