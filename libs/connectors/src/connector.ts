import type { Identity } from '@fedgate/core';

/**
 * Connector capabilities, after Dex: no base class, one small interface per
 * way of signing in. A connector implements the capabilities it has (the
 * class's `implements` clause is the compile-time proof) and the sign-in
 * flows ask which with the type guards below. docs/architecture.md says
 * where a new connector goes.
 */
export interface ConnectorInfo {
  readonly id: string;
  readonly type: string;
  /** Shown on the portal's sign-in choices. */
  readonly displayName: string;
  /** An https:// image shown beside the name on the portal's sign-in page (config `logo`). */
  readonly logoUrl?: string | undefined;
  /** Releases what the connector holds open (pooled connections); called at shutdown. */
  close?(): Promise<void>;
}

/** Where the login came from; used for throttling and audit, never for the decision itself. */
export interface LoginContext {
  clientAddress?: string;
}

/**
 * What a connector hands back on success: the normalized identity, and
 * optionally opaque data it needs to refresh that identity later (an OIDC
 * refresh token, the DN an LDAP search found). `connectorData` is kept
 * server-side only: never shown to users, never logged.
 */
export interface SignedIn {
  identity: Identity;
  connectorData?: string;
}

/**
 * What the user typed, reduced to the account the connector will
 * authenticate: the throttle and the audit key on `account`, so every
 * spelling of one account (`CORP\alice`, `alice@corp.example`, ` Alice `)
 * shares one counter. `unacceptable` is a form the connector will never
 * authenticate (an unlisted domain); it still costs a throttled attempt.
 */
export type CanonicalUsername =
  { kind: 'account'; account: string } | { kind: 'unacceptable'; reason: string };

/**
 * The outcome of a password login. A wrong password and an unknown user are
 * one result (`invalid_credentials`) so that callers cannot tell them apart;
 * `reason` is for the audit log only. Infrastructure failure (directory
 * down) is not a result: it is thrown as a FedgateError.
 */
export type PasswordLoginResult =
  ({ kind: 'authenticated' } & SignedIn) | { kind: 'invalid_credentials'; reason: string };

/** A connector that checks a username and password itself (static, ldap). */
export interface PasswordConnector extends ConnectorInfo {
  /**
   * Reduces what the user typed to the account key. Throws
   * FedgateError('invalid_request') for characters no account name can hold
   * (control characters), before any throttle or directory sees them.
   */
  canonicalUsername(typed: string): CanonicalUsername;
  /** Authenticates the canonical account (what canonicalUsername returned). */
  login(account: string, password: string, context: LoginContext): Promise<PasswordLoginResult>;
}

/** What an OAuth-style connector needs to build the provider's authorization URL. */
export interface LoginUrlRequest {
  /** fedgate's exact redirect URI for this connector. */
  callbackUrl: string;
  /** Single-use, bound to the browser by the sign-in flow. */
  state: string;
  /** Single-use; the ID token must carry it back. */
  nonce: string;
  /** PKCE S256 challenge of the verifier the flow keeps server-side (RFC 7636). */
  codeChallenge: string;
}

/** Where to send the browser, and anything the connector must get back at the callback. */
export interface LoginUrl {
  url: string;
  /** Opaque, stored server-side with the sign-in state, handed back to handleCallback. */
  connectorState?: string;
}

/** The browser's return to fedgate's callback URL, with what the flow kept for it. */
export interface CallbackRequest {
  callbackUrl: string;
  /** The callback's query parameters (code, state, iss, error…). */
  query: Readonly<Record<string, string>>;
  /** The values the flow stored at loginUrl time and has now consumed, once. */
  nonce: string;
  codeVerifier: string;
  connectorState?: string;
}

/** A connector that sends the browser to an OAuth 2 / OpenID provider (oidc, github). */
export interface CallbackConnector extends ConnectorInfo {
  loginUrl(request: LoginUrlRequest, context: LoginContext): Promise<LoginUrl>;
  handleCallback(request: CallbackRequest, context: LoginContext): Promise<SignedIn>;
}

/** What a SAML connector needs to build an AuthnRequest. */
export interface AuthnRequestInput {
  /** fedgate's Assertion Consumer Service URL for this connector. */
  acsUrl: string;
  /** The opaque key the flow sends as RelayState (never a URL). */
  relayState: string;
}

/** An AuthnRequest ready to send: by redirect, or as an auto-posted form (HTTP-POST binding). */
export interface AuthnRequestOutput {
  redirect: { kind: 'url'; url: string } | { kind: 'form'; action: string; fields: Record<string, string> };
  /** The request's ID: the response's InResponseTo must equal it, once. */
  requestId: string;
}

/** A SAML response posted to the ACS. */
export interface SamlPost {
  acsUrl: string;
  samlResponse: string;
  /**
   * The AuthnRequest ID the flow consumed for this browser, or undefined for
   * an IdP-initiated response (which the connector refuses unless allowed).
   */
  inResponseTo: string | undefined;
}

/** A SAML 2.0 Service Provider connector. */
export interface SamlConnector extends ConnectorInfo {
  authnRequest(input: AuthnRequestInput, context: LoginContext): Promise<AuthnRequestOutput>;
  handlePost(post: SamlPost, context: LoginContext): Promise<SignedIn>;
  /** Where an IdP-initiated sign-in (no RelayState) lands; `/` when absent. */
  readonly idpInitiatedLanding?: string;
  /** The SP metadata XML to give the IdP, for this ACS URL (`GET /auth/{id}/metadata`). */
  spMetadata?(acsUrl: string): string;
}

/** The outcome of re-checking an identity with its source. */
export type RefreshResult = ({ kind: 'current' } & SignedIn) | { kind: 'revoked'; reason: string };

/**
 * Optional: re-checks an identity with its source after sign-in (an LDAP
 * re-search, an OIDC refresh token), so a user disabled or removed from a
 * group upstream loses access before the session ends. Infrastructure
 * failure is thrown, not `revoked`.
 */
export interface RefreshConnector extends ConnectorInfo {
  refresh(signedIn: SignedIn, context: LoginContext): Promise<RefreshResult>;
}

/**
 * A connector that verifies a token another system signed (a custom
 * broker's assertion, a CI job's OIDC token, a Kubernetes service-account
 * token) and turns it into an identity, for token exchange (RFC 8693). It
 * is no sign-in choice: nobody types into it or is redirected to it. Every
 * refusal is a FedgateError whose `detail.check` names the failed check
 * (TOKEN_CHECKS); an unreachable key set or store is an outage, never a pass.
 */
export interface TokenConnector extends ConnectorInfo {
  /** The `iss` the connector accepts: a token names its issuer before anything is verified. */
  readonly issuer: string;
  exchange(token: string, context: LoginContext): Promise<SignedIn>;
}

/** The checks a token connector names in `detail.check` when it refuses a token. */
export const TOKEN_CHECKS = [
  'format',
  'issuer',
  'alg',
  'signature',
  'audience',
  'expired',
  'not_yet_valid',
  'too_old',
  'replayed',
  'claim_condition',
  'missing_claim',
] as const;
export type TokenCheck = (typeof TOKEN_CHECKS)[number];

export type Connector = PasswordConnector | CallbackConnector | SamlConnector | TokenConnector;

/** Every capability a connector may have, for listings (`GET /auth/connectors`). */
export type ConnectorKind = 'password' | 'callback' | 'saml' | 'token';

export function isPasswordConnector(connector: ConnectorInfo): connector is PasswordConnector {
  return hasMethods(connector, ['login', 'canonicalUsername']);
}

export function isCallbackConnector(connector: ConnectorInfo): connector is CallbackConnector {
  return hasMethods(connector, ['loginUrl', 'handleCallback']);
}

export function isSamlConnector(connector: ConnectorInfo): connector is SamlConnector {
  return hasMethods(connector, ['authnRequest', 'handlePost']);
}

export function isTokenConnector(connector: ConnectorInfo): connector is TokenConnector {
  return (
    hasMethods(connector, ['exchange']) && typeof (connector as { issuer?: unknown }).issuer === 'string'
  );
}

/** Connectors a person signs in with (the sign-in choices); token connectors are none of them. */
export function isSignInConnector(connector: Connector): boolean {
  return !isTokenConnector(connector);
}

export function canRefresh(connector: ConnectorInfo): connector is ConnectorInfo & RefreshConnector {
  return hasMethods(connector, ['refresh']);
}

/** How the user signs in through a connector. */
export function connectorKind(connector: Connector): ConnectorKind {
  if (isTokenConnector(connector)) {
    return 'token';
  }
  return isPasswordConnector(connector) ? 'password' : isSamlConnector(connector) ? 'saml' : 'callback';
}

function hasMethods(value: object, names: readonly string[]): boolean {
  return names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');
}
