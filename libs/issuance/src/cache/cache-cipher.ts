import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/** The configured form of one key: `issuance.cache.keys[]`. */
export interface CacheKeyConfig {
  id: string;
  /** 32 random bytes, base64. */
  key: string;
}

const FORMAT = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The same rule as the configuration schema; a key id never contains anything secret. */
const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/;
const EPHEMERAL_KEY_ID = 'ephemeral';

/**
 * Authenticated encryption for credential cache entries: AES-256-GCM with a
 * random 96-bit IV per entry. Sealed values read
 * `v1.<keyId>.<iv>.<ciphertext+tag>` (IV and ciphertext base64url); the key
 * id names the key that sealed it, so keys can rotate: the first configured
 * key encrypts, every listed key decrypts. The format, the key id and the
 * caller's AAD (the cache key) are authenticated, so an entry cannot be moved
 * to another cache key or relabelled with another key id.
 *
 * Key material lives in KeyObjects inside a private field: inspecting or
 * serializing a CacheCipher shows no key bytes, and no error names one.
 */
export class CacheCipher {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #primaryId: string;
  readonly #primaryKey: KeyObject;

  private constructor(keys: ReadonlyMap<string, KeyObject>, primaryId: string, primaryKey: KeyObject) {
    this.#keys = keys;
    this.#primaryId = primaryId;
    this.#primaryKey = primaryKey;
  }

  /**
   * From `issuance.cache.keys`, newest first. Throws RangeError (naming the
   * key's position and id, never its value) for an empty list, a malformed id,
   * a duplicate id, or a key that is not 32 bytes of base64.
   */
  static fromConfig(keys: readonly CacheKeyConfig[]): CacheCipher {
    const map = new Map<string, KeyObject>();
    let primary: { id: string; key: KeyObject } | undefined;
    keys.forEach((entry, index) => {
      if (!KEY_ID_PATTERN.test(entry.id)) {
        throw new RangeError(`issuance.cache.keys[${index}].id must be 1–32 letters, digits or _.-`);
      }
      if (map.has(entry.id)) {
        throw new RangeError(`issuance.cache.keys[${index}].id "${entry.id}" is listed twice`);
      }
      const bytes = BASE64_PATTERN.test(entry.key) ? Buffer.from(entry.key, 'base64') : Buffer.alloc(0);
      if (bytes.length !== KEY_BYTES) {
        throw new RangeError(`issuance.cache.keys[${index}] ("${entry.id}") must be 32 random bytes, base64`);
      }
      const key = createSecretKey(bytes);
      bytes.fill(0);
      map.set(entry.id, key);
      primary ??= { id: entry.id, key };
    });
    if (primary === undefined) {
      throw new RangeError(
        'issuance.cache.keys is empty; use CacheCipher.ephemeral() when no key is configured',
      );
    }
    return new CacheCipher(map, primary.id, primary.key);
  }

  /**
   * A random key for this process only, for when no key is configured: fine
   * for one instance; replicas then cannot read each other's entries (each
   * treats the other's as a miss) and a restart empties the cache.
   */
  static ephemeral(): CacheCipher {
    const key = createSecretKey(randomBytes(KEY_BYTES));
    return new CacheCipher(new Map([[EPHEMERAL_KEY_ID, key]]), EPHEMERAL_KEY_ID, key);
  }

  /** The id of the key that encrypts. */
  get keyId(): string {
    return this.#primaryId;
  }

  /** Seals plaintext under the first key, bound to aad. */
  encrypt(plaintext: string, aad: string): string {
    const key = this.#primaryKey;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(this.#primaryId, aad));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [FORMAT, this.#primaryId, iv.toString('base64url'), sealed.toString('base64url')].join('.');
  }

  /**
   * The plaintext, or undefined when the value is malformed, names a key id
   * this cipher does not hold, or fails authentication (tampered, or sealed
   * for another aad). Callers treat undefined as a cache miss.
   */
  decrypt(sealed: string, aad: string): string | undefined {
    const parsed = parse(sealed);
    if (parsed === undefined) {
      return undefined;
    }
    const key = this.#keys.get(parsed.keyId);
    if (key === undefined) {
      return undefined;
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, key, parsed.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(parsed.keyId, aad));
      decipher.setAuthTag(parsed.tag);
      return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** No key material, whoever logs or serializes this. */
  toJSON(): { keyId: string; keyIds: string[] } {
    return { keyId: this.#primaryId, keyIds: [...this.#keys.keys()] };
  }
}

function associatedData(keyId: string, aad: string): Buffer {
  // Length-prefixed parts, so (keyId, aad) pairs cannot be confused with one another.
  return Buffer.from(JSON.stringify([FORMAT, keyId, aad]), 'utf8');
}

interface ParsedValue {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** Splits `v1.<keyId>.<iv>.<ciphertext+tag>`; key ids may contain dots, base64url never does. */
function parse(sealed: string): ParsedValue | undefined {
  const prefix = `${FORMAT}.`;
  if (!sealed.startsWith(prefix)) {
    return undefined;
  }
  const lastDot = sealed.lastIndexOf('.');
  const ivDot = sealed.lastIndexOf('.', lastDot - 1);
  if (ivDot < prefix.length) {
    return undefined;
  }
  const keyId = sealed.slice(prefix.length, ivDot);
  const ivText = sealed.slice(ivDot + 1, lastDot);
  const bodyText = sealed.slice(lastDot + 1);
  if (!KEY_ID_PATTERN.test(keyId) || !BASE64URL_PATTERN.test(ivText) || !BASE64URL_PATTERN.test(bodyText)) {
    return undefined;
  }
  const iv = Buffer.from(ivText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
    return undefined;
  }
  return {
    keyId,
    iv,
    ciphertext: body.subarray(0, body.length - TAG_BYTES),
    tag: body.subarray(body.length - TAG_BYTES),
  };
}
