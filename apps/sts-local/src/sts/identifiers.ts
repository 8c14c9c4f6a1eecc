import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ACCESS_KEY_ID_PREFIX, UNIQUE_ID_PREFIX } from '@fedgate/aws';

// IAM identifiers use upper-case letters and digits (base32-like, no 0/1/8/9 ambiguity rules enforced).
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function encode(bytes: Buffer, length: number): string {
  let text = '';
  for (let index = 0; index < length; index += 1) {
    text += ALPHABET.charAt((bytes[index] ?? 0) % ALPHABET.length);
  }
  return text;
}

/** A temporary access key id: `ASIA` and 16 random characters, like AWS's. */
export function newTemporaryAccessKeyId(): string {
  return `${ACCESS_KEY_ID_PREFIX.temporary}${encode(randomBytes(16), 16)}`;
}

/** A 40-character secret access key from 30 random bytes. */
export function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

/**
 * An opaque session token, long like AWS's so clients' buffers and logs see
 * realistic sizes, and at least `minimumBytes` long (MinimumSessionTokenSize).
 */
export function newSessionToken(minimumBytes = 0): string {
  const token = `FQoGZXIvYXdzE${randomBytes(192).toString('base64')}`;
  const missing = minimumBytes - token.length;
  // Base64 of n bytes is 4·⌈n/3⌉ characters: enough random bytes, then cut to size.
  return missing > 0
    ? token +
        randomBytes(Math.ceil((missing * 3) / 4) + 3)
          .toString('base64')
          .slice(0, missing)
    : token;
}

/** A stable unique id (`AROA…`, `AIDA…`) derived from the entity's ARN, so restarts keep ids. */
export function stableUniqueId(
  prefix: (typeof UNIQUE_ID_PREFIX)[keyof typeof UNIQUE_ID_PREFIX],
  arn: string,
): string {
  return `${prefix}${encode(createHash('sha256').update(arn).digest(), 17)}`;
}

/** A request id in AWS's format (a UUID). */
export function newRequestId(): string {
  return randomUUID();
}
