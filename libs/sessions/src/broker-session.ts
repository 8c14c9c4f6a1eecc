import type { Identity } from '@fedgate/core';

/**
 * What the portal cookie points at in the store (docs/architecture.md). The cookie holds
 * a random token; the store key is the token's SHA-256, so a store dump
 * cannot be replayed as cookies.
 */
export interface BrokerSession {
  identity: Identity;
  /** The connector's opaque data for refreshing the identity; never shown to users or logged. */
  connectorData?: string;
  /** When the identity was last confirmed by its source (sign-in, then each refresh). */
  identityCheckedAt?: string;
  /** Sent back by the client on state-changing calls (double-submit CSRF defence). */
  csrfToken: string;
  createdAt: string;
  /** Last use; the idle timeout runs from here. */
  lastSeenAt: string;
  /** The absolute end of the session, whatever its activity. */
  expiresAt: string;
}
