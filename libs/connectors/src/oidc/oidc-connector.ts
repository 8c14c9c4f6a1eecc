import * as client from 'openid-client';
import { FedgateError, type Identity } from '@fedgate/core';
import type {
  CallbackConnector,
  CallbackRequest,
  LoginContext,
  LoginUrl,
  LoginUrlRequest,
  RefreshConnector,
  RefreshResult,
  SignedIn,
} from '../connector';
import { identityFromClaims, type Claims } from './claims';
import { clientAuthentication } from './client-authentication';
import { verifyIdToken } from './id-token-verifier';
import type { OidcConnectorConfig } from './oidc-connector.config';
import { resolveOidcSettings, type OidcSettings } from './oidc-settings';
import { checkPresetClaims } from './preset-checks';
import { providerError } from './provider-errors';
import { ProviderKeys } from './provider-keys';

/** What the OIDC connector uses besides its config. */
export interface OidcConnectorDependencies {
  now?: () => Date;
  /** At most one JWKS refetch for an unknown `kid` per this interval (default 1 minute). */
  jwksRefetchIntervalMs?: number;
}

interface Discovered {
  configuration: client.Configuration;
  issuer: string;
  keys: ProviderKeys;
  issParameter: boolean;
  userinfo: boolean;
}

/** What fedgate keeps in the session to re-check the user later (never shown, never logged). */
interface OidcConnectorData {
  refreshToken: string;
}

/**
 * An OpenID Connect provider (Google, Entra ID, Okta, Keycloak, Auth0…),
 * signed in to by authorization code with PKCE S256. openid-client does
 * discovery and the token exchange; fedgate makes every check a broker
 * needs itself, each refusal a FedgateError naming its phase and check
 * (docs/connectors/oidc.md): the RFC 9207 `iss` of the answer, the ID token
 * signature with the pinned algorithm and its claims, UserInfo's `sub`,
 * verified email, and the preset's own checks.
 */
export class OidcConnector implements CallbackConnector, RefreshConnector {
  readonly type = 'oidc';
  readonly id: string;
  readonly displayName: string;
  readonly logoUrl: string | undefined;
  private readonly settings: OidcSettings;
  private readonly now: () => Date;
  private discovered: Promise<Discovered> | undefined;

  constructor(
    private readonly config: OidcConnectorConfig,
    private readonly dependencies: OidcConnectorDependencies = {},
  ) {
    this.id = config.id;
    this.displayName = config.name ?? config.id;
    this.logoUrl = config.logo;
    this.settings = resolveOidcSettings(config);
    this.now = dependencies.now ?? (() => new Date());
  }

  async loginUrl(request: LoginUrlRequest, _context: LoginContext): Promise<LoginUrl> {
    const { configuration } = await this.discover();
    const preset = this.settings.preset;
    const hostedDomain =
      preset?.name === 'google' && preset.hostedDomains.length === 1 ? preset.hostedDomains[0] : undefined;
    const url = client.buildAuthorizationUrl(configuration, {
      response_type: 'code',
      redirect_uri: request.callbackUrl,
      scope: this.settings.scopes.join(' '),
      state: request.state,
      nonce: request.nonce,
      // Always, even when discovery does not list S256: a provider that ignores it still gets the verifier.
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
      // Only a hint for Google's account chooser; the `hd` claim is what is checked.
      ...(hostedDomain === undefined ? {} : { hd: hostedDomain }),
    });
    return { url: url.href };
  }

  async handleCallback(request: CallbackRequest, _context: LoginContext): Promise<SignedIn> {
    const discovered = await this.discover();
    this.checkAuthorizationResponse(request.query, discovered);
    const callback = new URL(request.callbackUrl);
    for (const [name, value] of Object.entries(request.query)) {
      callback.searchParams.append(name, value);
    }
    let tokens: client.TokenEndpointResponse;
    try {
      tokens = await client.authorizationCodeGrant(discovered.configuration, callback, {
        pkceCodeVerifier: request.codeVerifier,
        expectedState: request.query.state,
        expectedNonce: request.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw providerError(error, 'oidc.token', this.id);
    }
    if (typeof tokens.id_token !== 'string') {
      throw this.refused('oidc.token', 'id_token', 'The identity provider sent no ID token');
    }
    const idToken = await this.verified(tokens.id_token, discovered, request.nonce, undefined);
    const userinfo = await this.userinfo(discovered, tokens.access_token, idToken.sub as string);
    const identity = this.identityOf(idToken, userinfo);
    return {
      identity,
      ...(typeof tokens.refresh_token === 'string'
        ? { connectorData: encodeData({ refreshToken: tokens.refresh_token }) }
        : {}),
    };
  }

  /**
   * Re-checks the user with the provider through the refresh token: a
   * refused refresh (`invalid_grant`: revoked, user disabled) is `revoked`;
   * otherwise the identity is rebuilt from the new ID token and UserInfo,
   * keeping the original time of authentication and MFA (a refresh is not a
   * new sign-in). Without a refresh token there is nothing to ask: the
   * identity stands until the session ends.
   */
  async refresh(signedIn: SignedIn, _context: LoginContext): Promise<RefreshResult> {
    const data = decodeData(signedIn.connectorData);
    const original = signedIn.identity;
    if (data === undefined || original.connectorId !== this.id) {
      return { kind: 'current', ...signedIn };
    }
    const discovered = await this.discover();
    let tokens: client.TokenEndpointResponse;
    try {
      tokens = await client.refreshTokenGrant(discovered.configuration, data.refreshToken);
    } catch (error) {
      const refusal = providerError(error, 'oidc.token', this.id);
      if (refusal.code === 'assertion_invalid' && refusal.detail.error === 'invalid_grant') {
        return {
          kind: 'revoked',
          reason: 'the identity provider no longer accepts the refresh token (invalid_grant)',
        };
      }
      throw refusal;
    }
    const idToken =
      typeof tokens.id_token === 'string'
        ? await this.verified(tokens.id_token, discovered, undefined, original.subject)
        : { sub: original.subject, iat: Date.parse(original.authTime) / 1000 };
    const userinfo = await this.userinfo(discovered, tokens.access_token, original.subject);
    const rebuilt = this.identityOf(idToken, userinfo);
    const identity: Identity = {
      ...rebuilt,
      authTime: original.authTime,
      mfa: original.mfa,
      ...(original.acr === undefined ? {} : { acr: original.acr }),
    };
    if (original.acr === undefined) {
      delete identity.acr;
    }
    return {
      kind: 'current',
      identity,
      connectorData: encodeData({ refreshToken: tokens.refresh_token ?? data.refreshToken }),
    };
  }

  /** The authorization response itself (RFC 6749 4.1.2, RFC 9207), before any code is sent anywhere. */
  private checkAuthorizationResponse(query: Readonly<Record<string, string>>, discovered: Discovered): void {
    // An answer carrying another issuer's name is a mix-up: refused before anything else.
    if (query.iss !== undefined && query.iss !== discovered.issuer) {
      throw this.refused(
        'oidc.state',
        'iss',
        'The answer came from another identity provider than this sign-in started at',
        {
          expected: discovered.issuer,
        },
      );
    }
    if (discovered.issParameter && query.iss === undefined) {
      throw this.refused('oidc.state', 'iss', 'The identity provider answered without naming itself (iss)');
    }
    if (query.error !== undefined) {
      const error = query.error.replace(/[^\w.-]/g, '').slice(0, 64);
      throw this.refused(
        'oidc.state',
        'error-response',
        `The identity provider refused the sign-in (${error})`,
        { error },
      );
    }
    if (query.code === undefined || query.code === '') {
      throw this.refused('oidc.state', 'code', 'The identity provider sent no authorization code');
    }
  }

  private async verified(
    token: string,
    discovered: Discovered,
    nonce: string | undefined,
    subject: string | undefined,
  ): Promise<Claims> {
    const claims = await verifyIdToken(token, discovered.keys, {
      issuer: discovered.issuer,
      clientId: this.config.clientId,
      algorithm: this.settings.idTokenAlg,
      nonce,
      ...(subject === undefined ? {} : { subject }),
      clockSkewSeconds: this.config.clockSkew,
      now: () => this.now().getTime(),
    }).catch((error: unknown) => {
      if (error instanceof FedgateError) {
        error.detail.connector = this.id;
      }
      throw error;
    });
    checkPresetClaims(this.settings, claims, this.id);
    return claims;
  }

  private async userinfo(discovered: Discovered, accessToken: string, subject: string): Promise<Claims> {
    if (!this.config.userinfo || !discovered.userinfo) {
      return {};
    }
    let info: client.UserInfoResponse;
    try {
      info = await client.fetchUserInfo(discovered.configuration, accessToken, subject);
    } catch (error) {
      throw providerError(error, 'oidc.userinfo', this.id);
    }
    if (info.sub !== subject) {
      throw this.refused(
        'oidc.userinfo',
        'sub',
        "The identity provider's user information is about another user",
      );
    }
    return info;
  }

  private identityOf(idToken: Claims, userinfo: Claims): Identity {
    try {
      return identityFromClaims({
        connectorId: this.id,
        paths: this.settings.claims,
        mfa: this.config.mfa,
        idToken,
        userinfo,
      });
    } catch (error) {
      if (error instanceof FedgateError) {
        error.detail.connector = this.id;
      }
      throw error;
    }
  }

  /** Discovery once, shared by concurrent sign-ins; a failed discovery is retried by the next sign-in. */
  private discover(): Promise<Discovered> {
    this.discovered ??= this.runDiscovery().catch((error: unknown) => {
      this.discovered = undefined;
      throw error;
    });
    return this.discovered;
  }

  private async runDiscovery(): Promise<Discovered> {
    const { auth, method } = await clientAuthentication(this.config);
    const insecure = new URL(this.settings.issuer).protocol === 'http:';
    let configuration: client.Configuration;
    try {
      configuration = await client.discovery(
        new URL(this.settings.issuer),
        this.config.clientId,
        {
          id_token_signed_response_alg: this.settings.idTokenAlg,
          token_endpoint_auth_method: method,
          [client.clockTolerance]: this.config.clockSkew,
        },
        auth,
        {
          timeout: this.config.timeout,
          // The schema allows http:// for a provider on loopback only (development and tests).
          // eslint-disable-next-line @typescript-eslint/no-deprecated
          execute: insecure ? [client.allowInsecureRequests] : [],
        },
      );
    } catch (error) {
      const failure = providerError(error, 'oidc.discovery', this.id);
      throw new FedgateError(
        'idp_unavailable',
        'The identity provider could not be reached; try again later',
        {
          phase: 'oidc.discovery',
          detail: { ...failure.detail, issuer: this.settings.issuer },
        },
      );
    }
    const server = configuration.serverMetadata();
    if (server.jwks_uri === undefined) {
      throw new FedgateError('idp_unavailable', 'The identity provider publishes no signing keys', {
        phase: 'oidc.discovery',
        detail: { connector: this.id, check: 'jwks_uri', issuer: server.issuer },
      });
    }
    return {
      configuration,
      issuer: server.issuer,
      keys: new ProviderKeys(server.jwks_uri, {
        timeoutMs: this.config.timeout * 1000,
        now: () => this.now().getTime(),
        ...(this.dependencies.jwksRefetchIntervalMs === undefined
          ? {}
          : { refetchIntervalMs: this.dependencies.jwksRefetchIntervalMs }),
      }),
      issParameter: server.authorization_response_iss_parameter_supported === true,
      userinfo: server.userinfo_endpoint !== undefined,
    };
  }

  private refused(
    phase: 'oidc.state' | 'oidc.token' | 'oidc.userinfo',
    check: string,
    message: string,
    detail: Record<string, unknown> = {},
  ): FedgateError {
    return new FedgateError('assertion_invalid', message, {
      phase,
      detail: { connector: this.id, check, ...detail },
    });
  }
}

function encodeData(data: OidcConnectorData): string {
  return JSON.stringify({ v: 1, ...data });
}

function decodeData(text: string | undefined): OidcConnectorData | undefined {
  if (text === undefined) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as { v?: unknown; refreshToken?: unknown };
    return parsed.v === 1 && typeof parsed.refreshToken === 'string'
      ? { refreshToken: parsed.refreshToken }
      : undefined;
  } catch {
    return undefined;
  }
}
