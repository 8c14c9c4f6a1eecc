import { createHash } from 'node:crypto';
import type { Identity } from '@fedgate/core';

/**
 * RoleSessionName and SourceIdentity share AWS's rule (DESIGN §6.1):
 * 2–64 characters of `[\w+=,.@-]`; SourceIdentity must also not start with
 * `aws:` (impossible here since `:` is never emitted).
 */
const MAX_LENGTH = 64;
const HASH_LENGTH = 8;
const DISALLOWED = /[^\w+=,.@-]/g;

/** Short, stable digest of the immutable (connectorId, subject) pair. */
function subjectDigest(identity: Pick<Identity, 'connectorId' | 'subject'>): string {
  return createHash('sha256')
    .update(`${identity.connectorId}\u0000${identity.subject}`)
    .digest('hex')
    .slice(0, HASH_LENGTH);
}

/** Folds accents to their base letter (é → e), then replaces what AWS refuses with `-`. */
export function toAwsNameCharacters(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').replace(DISALLOWED, '-');
}

/**
 * RoleSessionName: the readable username plus a digest of the immutable
 * subject, so two users never share a session name (even across
 * connectors, or after a username is reused) and CloudTrail stays readable.
 */
export function roleSessionNameFor(identity: Identity): string {
  const readable = toAwsNameCharacters(identity.username).slice(0, MAX_LENGTH - HASH_LENGTH - 1);
  return `${readable}.${subjectDigest(identity)}`;
}

/**
 * SourceIdentity: the username as AWS will record it on every action of the
 * session. When the username has to be changed to fit AWS's rules, a digest
 * of the subject is appended so the result stays unique.
 */
export function sourceIdentityFor(identity: Identity): string {
  const readable = toAwsNameCharacters(identity.username);
  if (readable === identity.username && readable.length >= 2 && readable.length <= MAX_LENGTH) {
    return readable;
  }
  return `${readable.slice(0, MAX_LENGTH - HASH_LENGTH - 1)}.${subjectDigest(identity)}`;
}
