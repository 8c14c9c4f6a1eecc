import { createHash } from 'node:crypto';

/** Who a store entry or a revocation belongs to: one user of one connector. */
export interface UserRef {
  connectorId: string;
  subject: string;
  username: string;
}

const SPACE_RUN = /\s+/gu;

/**
 * A name folded the way the connectors compare account names (compatibility
 * forms, case and runs of spaces), so `Alice`, `alice` and full-width
 * `ａｌｉｃｅ` are one user to revocation as they are one account to sign-in.
 */
export function foldUserName(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').replace(SPACE_RUN, ' ').trim();
}

/**
 * The store key segment for a name in a connector: a digest, so any
 * characters a subject may hold make a short, safe key.
 */
export function userNameDigest(connectorId: string, name: string): string {
  return createHash('sha256')
    .update(`${connectorId}\u0000${foldUserName(name)}`)
    .digest('base64url');
}

/** The digests a user is known by: their subject and their username (one when both fold alike). */
export function userDigests(user: UserRef): string[] {
  const bySubject = userNameDigest(user.connectorId, user.subject);
  const byUsername = userNameDigest(user.connectorId, user.username);
  return bySubject === byUsername ? [bySubject] : [bySubject, byUsername];
}
