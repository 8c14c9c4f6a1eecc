import type { Store } from '@fedgate/store';
import { AuthorizationCodes } from './authorization-codes';
import { checkClientRedirect, Clients, DEVICE_CODE_GRANT, type OAuthClient } from './clients';
import {
  DeviceAuthorizations,
  type DeviceAuthorizationResponse,
  type PendingDevice,
} from './device-authorizations';
import { Grants, type BearerGrant, type GrantEvents, type GrantSubject, type TokenResponse } from './grants';
import { OAuthError } from './oauth-error';
import { requireS256Challenge } from './pkce';
import type { SessionTimeouts } from '@fedgate/sessions';

/** A form's fields as the broker parsed them (each at most once). */
export type OAuthParams = Readonly<Record<string, string | undefined>>;

export interface AuthorizationServerOptions {
  /** The broker's public URL, without a trailing slash: the device page lives under it. */
  publicUrl: string;
  /** Idle and absolute lifetime of a login: the `session` section's. */
  timeouts: SessionTimeouts;
  accessTokenSeconds?: number;
  codeSeconds?: number;
  deviceSeconds?: number;
  deviceIntervalSeconds?: number;
  clients?: Clients;
  now?: () => number;
  events?: GrantEvents;
}

/** A checked authorization request, ready to be approved by a signed-in user. */
export interface AuthorizationRequest {
  client: OAuthClient;
  redirectUri: string;
  state: string;
  codeChallenge: string;
}

export const DEFAULT_ACCESS_TOKEN_SECONDS = 15 * 60;
const DEFAULT_CODE_SECONDS = 60;
const DEFAULT_DEVICE_SECONDS = 10 * 60;
const DEFAULT_INTERVAL_SECONDS = 5;
const MAX_STATE_LENGTH = 512;

/**
 * fedgate as an OAuth 2 authorization server for its own clients: the
 * authorization code grant with PKCE and loopback redirects (RFC 8252), the
 * device authorization grant (RFC 8628), refresh tokens with rotation and
 * reuse detection, and revocation (RFC 7009). Framework-free: the broker's
 * controllers parse HTTP and call these methods.
 */
export class AuthorizationServer {
  readonly clients: Clients;
  readonly grants: Grants;
  readonly codes: AuthorizationCodes;
  readonly devices: DeviceAuthorizations;

  constructor(store: Store, options: AuthorizationServerOptions) {
    const now = options.now ?? Date.now;
    this.clients = options.clients ?? new Clients();
    this.grants = new Grants(store, {
      timeouts: options.timeouts,
      accessTokenSeconds: options.accessTokenSeconds ?? DEFAULT_ACCESS_TOKEN_SECONDS,
      now,
      ...(options.events === undefined ? {} : { events: options.events }),
    });
    this.codes = new AuthorizationCodes(store, {
      lifetimeSeconds: options.codeSeconds ?? DEFAULT_CODE_SECONDS,
      now,
    });
    this.devices = new DeviceAuthorizations(store, {
      lifetimeSeconds: options.deviceSeconds ?? DEFAULT_DEVICE_SECONDS,
      intervalSeconds: options.deviceIntervalSeconds ?? DEFAULT_INTERVAL_SECONDS,
      verificationUri: `${options.publicUrl.replace(/\/+$/, '')}/oauth/device`,
      maxCodeEntries: 30,
      codeEntryWindowSeconds: 15 * 60,
      now,
    });
  }

  /**
   * Checks an authorization request before anyone signs in. Every refusal
   * is an OAuthError shown on fedgate's page, never sent to the redirect
   * URI: the URI is only trusted once it has passed, and a refused request
   * might come from someone probing for an open redirect.
   */
  async checkAuthorizationRequest(params: OAuthParams): Promise<AuthorizationRequest> {
    const client = await this.clients.require(params.client_id, 'authorization_code');
    const redirectUri = checkClientRedirect(client, params.redirect_uri);
    if (params.response_type !== 'code') {
      throw new OAuthError('invalid_request', 'response_type must be code');
    }
    const state = params.state;
    if (state === undefined || state === '' || state.length > MAX_STATE_LENGTH) {
      throw new OAuthError('invalid_request', `state is required (at most ${MAX_STATE_LENGTH} characters)`);
    }
    if (params.scope !== undefined && params.scope !== '') {
      throw new OAuthError('invalid_scope', 'fedgate clients ask for no scope');
    }
    const codeChallenge = requireS256Challenge(params.code_challenge, params.code_challenge_method);
    return { client, redirectUri, state, codeChallenge };
  }

  /** The URL to send the browser back to with a new code, for a signed-in user. */
  async approve(request: AuthorizationRequest, subject: GrantSubject): Promise<string> {
    const code = await this.codes.create({
      ...subject,
      clientId: request.client.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
    });
    const target = new URL(request.redirectUri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', request.state);
    return target.toString();
  }

  /**
   * Ends what the store entry `key` (an entry of the user index) holds, for
   * an administrator's revocation: a login with its tokens, an unexchanged
   * code or an approved device request. The user it belonged to, or null
   * when nothing was ended.
   */
  async endStored(key: string): Promise<GrantSubject | null> {
    return (
      (await this.grants.endStored(key)) ??
      (await this.codes.endStored(key)) ??
      (await this.devices.endStored(key))
    );
  }

  /** The URL to send the browser back to when the user denied (RFC 6749 section 4.1.2.1). */
  deny(request: AuthorizationRequest): string {
    const target = new URL(request.redirectUri);
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('state', request.state);
    return target.toString();
  }

  /** `POST /oauth/device_authorization`. */
  async deviceAuthorization(
    params: OAuthParams,
    clientAddress: string,
  ): Promise<DeviceAuthorizationResponse> {
    const client = await this.clients.require(params.client_id, DEVICE_CODE_GRANT);
    if (params.scope !== undefined && params.scope !== '') {
      throw new OAuthError('invalid_scope', 'fedgate clients ask for no scope');
    }
    return this.devices.start(client.clientId, clientAddress);
  }

  /** The client's display name, for the device confirmation page. */
  async clientName(clientId: string): Promise<string> {
    return (await this.clients.find(clientId))?.name ?? clientId;
  }

  /** `POST /oauth/token`: one of the three grants. */
  async token(params: OAuthParams): Promise<TokenResponse> {
    const grantType = params.grant_type;
    switch (grantType) {
      case 'authorization_code': {
        const client = await this.clients.require(params.client_id, 'authorization_code');
        const subject = await this.codes.exchange(params.code, {
          clientId: client.clientId,
          redirectUri: params.redirect_uri,
          codeVerifier: params.code_verifier,
        });
        return this.grants.issue(client.clientId, subject);
      }
      case DEVICE_CODE_GRANT: {
        const client = await this.clients.require(params.client_id, DEVICE_CODE_GRANT);
        const subject = await this.devices.poll(params.device_code, client.clientId);
        return this.grants.issue(client.clientId, subject);
      }
      case 'refresh_token': {
        const client = await this.clients.require(params.client_id, 'refresh_token');
        return this.grants.refresh(params.refresh_token, client.clientId);
      }
      case undefined:
      case '':
        throw new OAuthError('invalid_request', 'grant_type is required');
      default:
        throw new OAuthError(
          'unsupported_grant_type',
          'grant_type must be authorization_code, refresh_token or urn:ietf:params:oauth:grant-type:device_code',
        );
    }
  }

  /** `POST /oauth/revoke` (RFC 7009): always succeeds for a known client, whatever the token. */
  async revoke(params: OAuthParams): Promise<void> {
    const client = await this.clients.require(params.client_id, 'refresh_token');
    const hint = params.token_type_hint;
    if (hint !== undefined && hint !== '' && hint !== 'access_token' && hint !== 'refresh_token') {
      throw new OAuthError('unsupported_token_type', 'token_type_hint must be access_token or refresh_token');
    }
    if (params.token === undefined || params.token === '') {
      throw new OAuthError('invalid_request', 'token is required');
    }
    await this.grants.revoke(params.token, client.clientId);
  }

  /** The login behind a bearer access token, or null. */
  async authenticate(accessToken: string): Promise<BearerGrant | null> {
    return this.grants.authenticate(accessToken);
  }

  /** The device request a typed code names (counted against the user), for the confirmation page. */
  async pendingDevice(userCode: string, entryKey: string): Promise<PendingDevice> {
    return this.devices.lookup(userCode, entryKey);
  }
}

/** RFC 8414 metadata for `/.well-known/oauth-authorization-server`. */
export function authorizationServerMetadata(
  publicUrl: string,
  extra: { grantTypes?: readonly string[]; authMethods?: readonly string[] } = {},
): Record<string, unknown> {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    issuer: base,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    device_authorization_endpoint: `${base}/oauth/device_authorization`,
    revocation_endpoint: `${base}/oauth/revoke`,
    response_types_supported: ['code'],
    grant_types_supported: [
      'authorization_code',
      'refresh_token',
      DEVICE_CODE_GRANT,
      ...(extra.grantTypes ?? []),
    ],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', ...(extra.authMethods ?? [])],
    revocation_endpoint_auth_methods_supported: ['none'],
  };
}
