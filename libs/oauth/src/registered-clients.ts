import { randomBytes } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import type { Store } from '@fedgate/store';
import type { ClientDirectory, GrantType, OAuthClient } from './clients';
import { OAuthError } from './oauth-error';
import { digest, sameDigest } from './secrets';

/** What a client asks for when it registers itself (AWS SSO OIDC's RegisterClient). */
export interface ClientRegistration {
  name: string;
  grantTypes: readonly GrantType[];
  loopbackRedirectPaths: readonly string[];
}

/** What a registration hands back: the secret only here, never again. */
export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
  /** Epoch seconds. */
  issuedAt: number;
  /** Epoch seconds: after this, the client registers again. */
  expiresAt: number;
}

interface StoredClient extends OAuthClient {
  secretDigest: string;
  expiresAt: number;
}

export interface RegisteredClientsOptions {
  /** How long a registration lasts (AWS's last 90 days). */
  lifetimeSeconds: number;
  now?: () => number;
}

const CLIENT_ID = /^fgcl_[A-Za-z0-9_-]{22}$/;
const CLIENT_SECRET = /^fgcs_[A-Za-z0-9_-]{43}$/;
const MAX_NAME = 128;

/**
 * Clients that register themselves, in the store (a directory behind
 * `Clients`). They are public clients in OAuth's sense (a program on a
 * laptop), but AWS's protocol hands each a secret and sends it back on every
 * call, so the secret is checked too; only its digest is kept.
 */
export class RegisteredClients implements ClientDirectory {
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly options: RegisteredClientsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async register(registration: ClientRegistration): Promise<RegisteredClient> {
    const name = registration.name.trim();
    if (name === '' || name.length > MAX_NAME || /[\p{Cc}]/u.test(name)) {
      throw new OAuthError(
        'invalid_request',
        `The client name must be 1 to ${MAX_NAME} printable characters`,
      );
    }
    if (registration.grantTypes.length === 0) {
      throw new OAuthError('invalid_request', 'A client needs at least one grant type');
    }
    if (
      registration.grantTypes.includes('authorization_code') &&
      registration.loopbackRedirectPaths.length === 0
    ) {
      throw new OAuthError('invalid_request', 'The authorization_code grant needs a loopback redirect URI');
    }
    const clientId = `fgcl_${randomBytes(16).toString('base64url')}`;
    const clientSecret = `fgcs_${randomBytes(32).toString('base64url')}`;
    const issuedAt = this.now();
    const lifetimeMs = this.options.lifetimeSeconds * 1000;
    const stored: StoredClient = {
      clientId,
      name,
      grantTypes: [...new Set(registration.grantTypes)],
      loopbackRedirectPaths: [...new Set(registration.loopbackRedirectPaths)],
      secretDigest: digest(clientSecret),
      expiresAt: issuedAt + lifetimeMs,
    };
    await this.store.set(this.key(clientId), JSON.stringify(stored), lifetimeMs);
    return {
      clientId,
      clientSecret,
      issuedAt: Math.floor(issuedAt / 1000),
      expiresAt: Math.floor((issuedAt + lifetimeMs) / 1000),
    };
  }

  async find(clientId: string): Promise<OAuthClient | undefined> {
    const stored = await this.load(clientId);
    if (stored === undefined) {
      return undefined;
    }
    const { clientId: id, name, grantTypes, loopbackRedirectPaths } = stored;
    return { clientId: id, name, grantTypes, loopbackRedirectPaths };
  }

  /** Refuses with invalid_client unless the secret is the one registered with the client id. */
  async authenticate(clientId: string | undefined, clientSecret: string | undefined): Promise<void> {
    const stored = clientId === undefined ? undefined : await this.load(clientId);
    if (
      stored === undefined ||
      clientSecret === undefined ||
      !CLIENT_SECRET.test(clientSecret) ||
      !sameDigest(stored.secretDigest, digest(clientSecret))
    ) {
      throw new OAuthError(
        'invalid_client',
        'Unknown client, or a wrong or expired client secret; register again',
      );
    }
  }

  private async load(clientId: string): Promise<StoredClient | undefined> {
    if (!CLIENT_ID.test(clientId)) {
      return undefined;
    }
    const text = await this.store.get(this.key(clientId));
    if (text === null) {
      return undefined;
    }
    let stored: StoredClient;
    try {
      stored = JSON.parse(text) as StoredClient;
    } catch (error) {
      throw new FedgateError('internal', 'A stored client registration is unreadable', { cause: error });
    }
    return stored.expiresAt > this.now() ? stored : undefined;
  }

  private key(clientId: string): string {
    return `oauth-client:${clientId}`;
  }
}
