import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Every secret fedgate hands out here (codes, device codes, tokens) is 32
 * random bytes behind a prefix naming its kind, so a secret scanner can
 * recognize a leaked one and a token of one kind is never accepted as
 * another. Only SHA-256 digests are kept in the store: a store dump holds
 * nothing that can be presented.
 */
export type SecretKind = 'fga' | 'fgr' | 'fgc' | 'fgd';

const BYTES = 32;
const BODY = '[A-Za-z0-9_-]{43}';

export function newSecret(kind: SecretKind): string {
  return `${kind}_${randomBytes(BYTES).toString('base64url')}`;
}

/** True when `value` looks like a secret of that kind (checked before any store lookup). */
export function isSecret(kind: SecretKind, value: unknown): value is string {
  return typeof value === 'string' && new RegExp(`^${kind}_${BODY}$`).test(value);
}

/** The store key part for a secret. */
export function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Constant-time comparison of two digests. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
