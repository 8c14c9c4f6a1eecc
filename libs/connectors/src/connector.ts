import type { Identity } from '@fedgate/core';

/**
 * Connector capabilities, after Dex: no base class, small interfaces. A
 * connector implements the capabilities it supports; the broker asks which
 * with the type guards below.
 */
export interface ConnectorInfo {
  readonly id: string;
  readonly type: string;
  /** Shown on the portal's sign-in choices. */
  readonly displayName: string;
  /** Releases what the connector holds open (pooled connections); called at shutdown. */
  close?(): Promise<void>;
}

/** Where the login came from; used for throttling and audit, never for the decision itself. */
export interface LoginContext {
  clientAddress?: string;
}

/**
 * The outcome of a password login. A wrong password and an unknown user are
 * one result (`invalid_credentials`) so that callers cannot tell them apart;
 * `reason` is for the audit log only. Infrastructure failure (directory
 * down) is not a result: it is thrown as a FedgateError.
 */
export type PasswordLoginResult =
  { kind: 'authenticated'; identity: Identity } | { kind: 'invalid_credentials'; reason: string };

/** A connector that checks a username and password itself (static, ldap). */
export interface PasswordConnector extends ConnectorInfo {
  login(username: string, password: string, context: LoginContext): Promise<PasswordLoginResult>;
}

/** What a redirect login starts with: where to send the browser, and the state to keep server-side. */
export interface RedirectStart {
  /** A URL to redirect to, or an HTML form to auto-POST (SAML HTTP-POST binding). */
  redirect: { kind: 'url'; url: string } | { kind: 'form'; action: string; fields: Record<string, string> };
  /** Opaque state the broker stores server-side and hands back to `complete`. */
  state: Record<string, string>;
}

/** The browser's return to the callback URL. */
export interface CallbackRequest {
  method: 'GET' | 'POST';
  query: Record<string, string>;
  body: Record<string, string>;
}

/** A connector that sends the browser to an identity provider (saml, oidc, github). */
export interface RedirectConnector extends ConnectorInfo {
  begin(context: LoginContext & { callbackUrl: string }): Promise<RedirectStart>;
  complete(state: Record<string, string>, request: CallbackRequest): Promise<Identity>;
}

export type Connector = PasswordConnector | RedirectConnector;

export function isPasswordConnector(connector: Connector): connector is PasswordConnector {
  return 'login' in connector && typeof connector.login === 'function';
}

export function isRedirectConnector(connector: Connector): connector is RedirectConnector {
  return 'begin' in connector && typeof connector.begin === 'function';
}
