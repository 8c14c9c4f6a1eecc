import { UserIndex } from '@fedgate/sessions';
import type { Store } from '@fedgate/store';
import type { GrantSubject } from './grants';
import { OAuthError } from './oauth-error';
import { verifierMatches } from './pkce';
import { digest, isSecret, newSecret } from './secrets';

/** What an authorization code stands for until it is exchanged. */
export interface PendingCode extends GrantSubject {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
}

interface StoredCode extends PendingCode {
  expiresAt: number;
}

/** Records outlive their validity by this much, so a late exchange is told "expired", not "unknown". */
const GRACE_MS = 5 * 60 * 1000;

/**
 * Authorization codes (RFC 6749 section 4.1) in the store: short-lived,
 * single use whatever the concurrency (a set-if-absent marker decides the
 * one exchange, as for sign-in state), bound to the client, the exact
 * redirect URI and the PKCE S256 challenge.
 */
export class AuthorizationCodes {
  private readonly now: () => number;
  private readonly index: UserIndex;

  constructor(
    private readonly store: Store,
    private readonly options: { lifetimeSeconds: number; now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
    this.index = new UserIndex(store);
  }

  /** A new code for the approved request. */
  async create(pending: PendingCode): Promise<string> {
    const code = newSecret('fgc');
    const lifetimeMs = this.options.lifetimeSeconds * 1000;
    const stored: StoredCode = { ...pending, grantedAt: this.now(), expiresAt: this.now() + lifetimeMs };
    const key = `oauth-code:${digest(code)}`;
    await this.store.set(key, JSON.stringify(stored), lifetimeMs + GRACE_MS);
    await this.index.track(pending.identity, key, lifetimeMs + GRACE_MS);
    return code;
  }

  /**
   * Voids the unexchanged code stored under `key` (an entry of the user
   * index), for an administrator's revocation: what it stood for, or null
   * when it was used or expired already or the key is not a code's.
   */
  async endStored(key: string): Promise<GrantSubject | null> {
    if (!key.startsWith('oauth-code:')) {
      return null;
    }
    const text = await this.store.get(key);
    if (text === null || !(await this.store.delete(key))) {
      return null;
    }
    const stored = JSON.parse(text) as StoredCode;
    return this.now() > stored.expiresAt ? null : stored;
  }

  /**
   * The subject of a code, consumed: no later exchange gets it. Refused
   * with invalid_grant when the code is unknown, used, expired, issued to
   * another client or redirect URI, or the verifier does not match.
   */
  async exchange(
    code: string | undefined,
    request: { clientId: string; redirectUri: string | undefined; codeVerifier: string | undefined },
  ): Promise<GrantSubject> {
    if (!isSecret('fgc', code)) {
      throw new OAuthError('invalid_grant', 'The authorization code is not one fedgate issued');
    }
    const key = digest(code);
    const lifetimeMs = this.options.lifetimeSeconds * 1000;
    const first = await this.store.setIfAbsent(`oauth-code-used:${key}`, '1', lifetimeMs + GRACE_MS);
    if (!first) {
      throw new OAuthError('invalid_grant', 'The authorization code was already used');
    }
    const text = await this.store.get(`oauth-code:${key}`);
    if (text === null) {
      throw new OAuthError('invalid_grant', 'The authorization code is unknown or expired');
    }
    await this.store.delete(`oauth-code:${key}`);
    const stored = JSON.parse(text) as StoredCode;
    if (this.now() > stored.expiresAt) {
      throw new OAuthError('invalid_grant', 'The authorization code has expired; log in again');
    }
    if (stored.clientId !== request.clientId) {
      throw new OAuthError('invalid_grant', 'The authorization code was issued to another client');
    }
    if (stored.redirectUri !== request.redirectUri) {
      throw new OAuthError('invalid_grant', 'redirect_uri differs from the authorization request');
    }
    if (!verifierMatches(request.codeVerifier, stored.codeChallenge)) {
      throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
    }
    return {
      identity: stored.identity,
      ...(stored.connectorData === undefined ? {} : { connectorData: stored.connectorData }),
      ...(stored.identityCheckedAt === undefined ? {} : { identityCheckedAt: stored.identityCheckedAt }),
      ...(stored.grantedAt === undefined ? {} : { grantedAt: stored.grantedAt }),
    };
  }
}
