import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { FedgateError, type ErrorCode } from '@fedgate/core';
import type { Store } from '@fedgate/store';

/**
 * What fedgate remembers between sending the browser to an identity
 * provider and its return: kept server-side only, under a random state id,
 * bound to the browser that started the sign-in.
 */
export interface PendingSignIn {
  connectorId: string;
  kind: 'callback' | 'saml';
  /** OAuth: the ID token's nonce and the PKCE verifier (RFC 7636). */
  nonce?: string;
  codeVerifier?: string;
  /** SAML: the AuthnRequest ID the response's InResponseTo must equal. */
  samlRequestId?: string;
  /** The connector's own opaque state from loginUrl. */
  connectorState?: string;
  /** Where the browser goes after sign-in: a relative path on fedgate, already checked. */
  returnTo: string;
}

interface StoredSignIn extends PendingSignIn {
  /** SHA-256 of the browser binding cookie: a store dump cannot be replayed as the cookie. */
  bindingHash: string;
  expiresAt: number;
}

export interface SignInStateOptions {
  /** How long a started sign-in may take to come back. */
  lifetimeSeconds: number;
  now?: () => number;
}

/** A state id and the browser binding that must come back with it. */
export interface SavedSignIn {
  stateId: string;
  /** The value of the short-lived cookie that binds the sign-in to this browser. */
  browserBinding: string;
}

const ID_BYTES = 32;
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Records outlive their validity by this much, so a late return is told "expired", not "unknown". */
const GRACE_MS = 10 * 60 * 1000;
const PHASE = 'redirect.state';

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function refused(code: ErrorCode, message: string, detail: Record<string, unknown> = {}): FedgateError {
  return new FedgateError(code, message, { phase: PHASE, detail });
}

/**
 * Single-use sign-in state in the store (shared by replicas). `consume`
 * succeeds at most once per state id whatever the concurrency: a marker
 * written with set-if-absent decides the one winner before the state is
 * read. Each refusal has its own error code: unknown, replayed, expired,
 * or started in another browser.
 */
export class SignInStates {
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly options: SignInStateOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** A fresh, unguessable state id (sent to the IdP as `state` or RelayState). */
  newStateId(): string {
    return randomBytes(ID_BYTES).toString('base64url');
  }

  /** Stores a pending sign-in under `stateId`, and returns the browser binding for its cookie. */
  async save(stateId: string, pending: PendingSignIn): Promise<SavedSignIn> {
    const browserBinding = randomBytes(ID_BYTES).toString('base64url');
    const lifetimeMs = this.options.lifetimeSeconds * 1000;
    const stored: StoredSignIn = {
      ...pending,
      bindingHash: digest(browserBinding),
      expiresAt: this.now() + lifetimeMs,
    };
    await this.store.set(this.recordKey(stateId), JSON.stringify(stored), lifetimeMs + GRACE_MS);
    return { stateId, browserBinding };
  }

  /**
   * The pending sign-in for `stateId`, consumed: no later call gets it.
   * Refused (FedgateError, phase `redirect.state`) when the id is unknown,
   * already used, expired, or `browserBinding` is not the cookie of the
   * browser that started it.
   */
  async consume(stateId: string, browserBinding: string | undefined): Promise<PendingSignIn> {
    if (!ID_PATTERN.test(stateId)) {
      throw refused('sign_in_state_unknown', 'This sign-in was not started here; start it again');
    }
    const lifetimeMs = this.options.lifetimeSeconds * 1000;
    // The one atomic step: of any number of concurrent returns, exactly one writes the marker.
    const first = await this.store.setIfAbsent(this.usedKey(stateId), '1', lifetimeMs + GRACE_MS);
    if (!first) {
      throw refused('sign_in_state_replayed', 'This sign-in has already been completed; start it again');
    }
    const key = this.recordKey(stateId);
    const text = await this.store.get(key);
    if (text === null) {
      throw refused(
        'sign_in_state_unknown',
        'This sign-in was not started here, or too long ago; start it again',
      );
    }
    await this.store.delete(key);
    const stored = parseStored(text);
    if (this.now() > stored.expiresAt) {
      throw refused('sign_in_state_expired', 'This sign-in took too long; start it again', {
        connector: stored.connectorId,
      });
    }
    if (browserBinding === undefined || !sameDigest(digest(browserBinding), stored.bindingHash)) {
      throw refused(
        'sign_in_state_mismatch',
        'This sign-in was started in another browser; start it again here',
        { connector: stored.connectorId },
      );
    }
    const { bindingHash: _binding, expiresAt: _expires, ...pending } = stored;
    return pending;
  }

  private recordKey(stateId: string): string {
    return `signin:${digest(stateId)}`;
  }

  private usedKey(stateId: string): string {
    return `signin-used:${digest(stateId)}`;
  }
}

function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function parseStored(text: string): StoredSignIn {
  try {
    const value = JSON.parse(text) as Partial<StoredSignIn>;
    if (
      typeof value.connectorId === 'string' &&
      (value.kind === 'callback' || value.kind === 'saml') &&
      typeof value.bindingHash === 'string' &&
      typeof value.expiresAt === 'number' &&
      typeof value.returnTo === 'string'
    ) {
      return value as StoredSignIn;
    }
  } catch {
    // Reported below, as for any other unreadable record.
  }
  throw new FedgateError('internal', 'A stored sign-in state is unreadable', { phase: PHASE });
}
