import { createHash } from 'node:crypto';
import type { Identity } from '@fedgate/core';
import { AWS_LIMITS } from '@fedgate/aws';
import { renderTemplate, type TemplatePart } from './template';

/**
 * RoleSessionName, SourceIdentity and GetFederationToken's Name share AWS's
 * character rule (docs/mapping.md#limits): `[\w+=,.@-]`, 2–64 characters (Name: 2–32);
 * SourceIdentity must also not start with `aws:` (impossible here since `:`
 * is never emitted).
 */
const HASH_LENGTH = 8;
const DISALLOWED = /[^\w+=,.@-]/g;

/** Digests of recent subjects: every request of a user needs the same one, often twice. */
const recentDigests = new Map<string, string>();
const RECENT_DIGESTS = 1024;

/** Short, stable digest of the immutable (connectorId, subject) pair. */
function subjectDigest(identity: Pick<Identity, 'connectorId' | 'subject'>): string {
  const key = `${identity.connectorId}\u0000${identity.subject}`;
  let digest = recentDigests.get(key);
  if (digest === undefined) {
    digest = createHash('sha256').update(key).digest('hex').slice(0, HASH_LENGTH);
    if (recentDigests.size >= RECENT_DIGESTS) {
      // Oldest first: a Map iterates in insertion order.
      recentDigests.delete(recentDigests.keys().next().value ?? '');
    }
    recentDigests.set(key, digest);
  }
  return digest;
}

/** Folds accents to their base letter (é → e), then replaces what AWS refuses with `-`. */
export function toAwsNameCharacters(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').replace(DISALLOWED, '-');
}

/** The readable part cut to leave room for `.` and the digest. */
function withDigest(readable: string, identity: Identity, maxLength: number): string {
  return `${readable.slice(0, maxLength - HASH_LENGTH - 1)}.${subjectDigest(identity)}`;
}

/**
 * A name from free text: the text itself when AWS accepts it as it is,
 * otherwise folded and cut, plus a digest of the subject so that the
 * changed name stays unique per user.
 */
function nameFrom(text: string, identity: Identity, maxLength: number): string {
  const readable = toAwsNameCharacters(text);
  if (readable === text && readable.length >= 2 && readable.length <= maxLength) {
    return readable;
  }
  return withDigest(readable, identity, maxLength);
}

/**
 * RoleSessionName. By default the readable username plus a digest of the
 * immutable subject, so two users never share a session name (even across
 * connectors, or after a username is reused) and CloudTrail stays readable.
 * With a template (`mapping.roleSessionName`), its text when AWS accepts it,
 * else folded plus the digest.
 */
export function roleSessionNameFor(identity: Identity, template?: readonly TemplatePart[]): string {
  const max = AWS_LIMITS.sessionName.maxLength;
  if (template !== undefined) {
    return nameFrom(renderTemplate(template, identity, '.').text, identity, max);
  }
  return withDigest(toAwsNameCharacters(identity.username), identity, max);
}

/**
 * SourceIdentity: the username (or `mapping.sourceIdentity`'s text) as AWS
 * will record it on every action of the session. When it has to be changed
 * to fit AWS's rules, a digest of the subject is appended so the result
 * stays unique.
 */
export function sourceIdentityFor(identity: Identity, template?: readonly TemplatePart[]): string {
  const text = template === undefined ? identity.username : renderTemplate(template, identity, '.').text;
  return nameFrom(text, identity, AWS_LIMITS.sessionName.maxLength);
}

/**
 * GetFederationToken's Name (2–32 characters): always the folded username
 * plus the digest, since 32 characters leave little room and the federated
 * user ARN must stay unique per subject.
 */
export function federatedUserNameFor(identity: Identity): string {
  return withDigest(toAwsNameCharacters(identity.username), identity, AWS_LIMITS.federatedUserName.maxLength);
}
