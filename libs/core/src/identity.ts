/**
 * The normalized result of a successful login (docs/architecture.md). Keyed everywhere by
 * (connectorId, subject), never by email alone.
 */
export interface Identity {
  connectorId: string;
  /** Stable, immutable id of the user at the identity provider. */
  subject: string;
  username: string;
  email?: string;
  emailVerified?: boolean;
  displayName?: string;
  groups: string[];
  attributes: Record<string, string[]>;
  mfa: { satisfied: boolean; methods: string[] };
  /** When the user authenticated at the IdP, as an ISO 8601 UTC timestamp. */
  authTime: string;
  acr?: string;
}

/** The key that identifies one user across fedgate. */
export function identityKey(identity: Pick<Identity, 'connectorId' | 'subject'>): string {
  return `${identity.connectorId}\u0000${identity.subject}`;
}
