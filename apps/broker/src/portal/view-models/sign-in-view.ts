import type { FedgateError } from '@fedgate/core';
import { safeReturnPath } from '@fedgate/flows';

/** A connector as the sign-in page offers it. */
export interface SignInChoice {
  id: string;
  name: string;
  kind: 'password' | 'redirect';
  /** The connector's `logo`: an https:// image URL. */
  logoUrl?: string | undefined;
}

export interface RedirectButton {
  id: string;
  name: string;
  logoUrl: string | undefined;
  /** GET /auth/{id}/login?return_to=…: starts the redirect sign-in. */
  href: string;
}

export interface PasswordForm {
  id: string;
  name: string;
  logoUrl: string | undefined;
  /** POST /sign-in/{id}: the password sign-in flow, answered for a browser. */
  action: string;
  /** The username typed before a failed attempt, so only the password is typed again. */
  username: string;
  /** A failed attempt's message, shown by this form. */
  error: string | undefined;
}

export interface SignInView {
  returnTo: string;
  redirectButtons: RedirectButton[];
  passwordForms: PasswordForm[];
  /** Said above the choices: "You have signed out", "Your session ended". */
  notice: string | undefined;
}

/** A failed sign-in, for the page: which form it belongs to and what to say. */
export interface SignInFailure {
  connectorId: string;
  username: string;
  message: string;
}

function minutesFrom(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/**
 * What a person is told when a password sign-in fails: what happened and
 * what to do, never a code. The throttle's `retryAfterSeconds` becomes
 * "try again in N minutes (at 14:05 UTC)".
 */
export function signInErrorMessage(error: FedgateError, now: number): string {
  switch (error.code) {
    case 'invalid_credentials':
      return 'The username or password is not right. Check both and try again.';
    case 'rate_limited': {
      const seconds = error.retryAfterSeconds ?? 60;
      const at = new Date(now + seconds * 1000).toISOString().slice(11, 16);
      return `Too many failed sign-ins. For your safety, sign-in is paused: try again in ${minutesFrom(seconds)} (at ${at} UTC).`;
    }
    case 'idp_unavailable':
      return 'The directory that checks passwords cannot be reached right now, so nobody can sign in with it. Try again in a few minutes; if it lasts, tell your administrator.';
    case 'store_unavailable':
      return 'fedgate cannot reach its session store right now, so nobody can sign in. Try again in a few minutes; if it lasts, tell your administrator.';
    case 'csrf_rejected':
      return 'This sign-in came from a page on another site, so it was refused. Open fedgate directly and sign in there.';
    case 'invalid_request':
      return `That could not be used to sign in: ${error.message.replace(/\.$/, '')}.`;
    case 'unknown_connector':
    case 'unsupported_operation':
      return 'That way of signing in does not exist here. Choose one of those on this page.';
    case 'access_revoked':
      return 'An administrator has revoked your access for now. Try again later, or ask your administrator.';
    case 'internal':
    case 'config_invalid':
      return 'Something went wrong in fedgate. Try again; if it lasts, tell your administrator.';
    case 'assertion_invalid':
    case 'not_entitled':
    case 'not_found':
    case 'payload_too_large':
    case 'sign_in_state_expired':
    case 'sign_in_state_mismatch':
    case 'sign_in_state_replayed':
    case 'sign_in_state_unknown':
    case 'sts_denied':
    case 'sts_rejected':
    case 'unauthenticated':
    case 'upstream_throttled':
    case 'upstream_unavailable':
      return `Sign-in failed: ${error.message}.`;
  }
}

/**
 * The sign-in page: a button per redirect connector and a form per password
 * connector, each carrying the return path (only a relative path on fedgate,
 * so sign-in is never an open redirect).
 */
export function signInView(
  connectors: readonly SignInChoice[],
  options: { returnTo?: string | undefined; failure?: SignInFailure; notice?: string },
): SignInView {
  const returnTo = safeReturnPath(options.returnTo);
  const query = returnTo === '/' ? '' : `?return_to=${encodeURIComponent(returnTo)}`;
  const failure = options.failure;
  return {
    returnTo,
    notice: options.notice,
    redirectButtons: connectors
      .filter((connector) => connector.kind === 'redirect')
      .map((connector) => ({
        id: connector.id,
        name: connector.name,
        logoUrl: connector.logoUrl,
        href: `/auth/${encodeURIComponent(connector.id)}/login${query}`,
      })),
    passwordForms: connectors
      .filter((connector) => connector.kind === 'password')
      .map((connector) => {
        const failed = failure?.connectorId === connector.id ? failure : undefined;
        return {
          id: connector.id,
          name: connector.name,
          logoUrl: connector.logoUrl,
          action: `/sign-in/${encodeURIComponent(connector.id)}`,
          username: failed?.username ?? '',
          error: failed?.message,
        };
      }),
  };
}
