import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { ConfigError, type ConfigIssue } from '@fedgate/config';
import type { IssuanceConfig } from '../config/issuance.schema';

/** The one algorithm fedgate signs web identity tokens with (AWS accepts RS256 from every OIDC provider). */
export const WEB_IDENTITY_ALGORITHM = 'RS256';
/** The smallest RSA modulus accepted, in bits. */
export const MIN_RSA_KEY_BITS = 2048;
/** The size of the key generated when none is configured. */
const GENERATED_KEY_BITS = 2048;
const KEYS_PATH = 'issuance.webIdentity.signingKeys';

/** One configured signing key, as `issuance.webIdentity.signingKeys[i]` holds it. */
export type SigningKeyConfig = IssuanceConfig['webIdentity']['signingKeys'][number];

/** The public half of a signing key as jwks.json publishes it: RSA members n and e only. */
export interface PublicSigningJwk {
  kty: 'RSA';
  kid: string;
  use: 'sig';
  alg: typeof WEB_IDENTITY_ALGORITHM;
  n: string;
  e: string;
}

/** The document served at `/.well-known/jwks.json`. */
export interface JsonWebKeySetDocument {
  keys: PublicSigningJwk[];
}

/** A loaded signing key. `privateKey` never leaves the process. */
export interface WebIdentitySigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: PublicSigningJwk;
}

/**
 * The RFC 7638 thumbprint of an RSA public key: SHA-256 over the required
 * members in lexicographic order, base64url. The default `kid`, so a key
 * keeps its id wherever it is configured.
 */
export function rsaJwkThumbprint(jwk: { e: string; n: string }): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The RSA public members of a key, read through Node's JWK export (never the private ones). */
function publicMembers(privateKey: KeyObject): { n: string; e: string } {
  const exported = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof exported.n !== 'string' || typeof exported.e !== 'string') {
    throw new Error('an RSA public key without n or e');
  }
  return { n: exported.n, e: exported.e };
}

function toSigningKey(privateKey: KeyObject, id: string | undefined): WebIdentitySigningKey {
  const { n, e } = publicMembers(privateKey);
  const kid = id ?? rsaJwkThumbprint({ e, n });
  return { kid, privateKey, publicJwk: { kty: 'RSA', kid, use: 'sig', alg: WEB_IDENTITY_ALGORITHM, n, e } };
}

/**
 * Reads one configured PEM, or says in plain words why it cannot be used.
 * Messages describe the key (type, size), never its content.
 */
function readPrivateKey(pem: string): { key: KeyObject } | { problem: string } {
  if (!pem.includes('-----BEGIN')) {
    return { problem: 'must be a PEM private key (-----BEGIN PRIVATE KEY-----)' };
  }
  if (pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || pem.includes('Proc-Type: 4,ENCRYPTED')) {
    return {
      problem: 'is encrypted with a passphrase; give the key unencrypted (openssl pkey -in KEY -out PLAIN)',
    };
  }
  if (
    /-----BEGIN (?:PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE)-----/.test(pem) &&
    !/PRIVATE KEY-----/.test(pem)
  ) {
    return { problem: 'is a public key or certificate; fedgate needs the private key to sign' };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return {
      problem: 'is not a readable PEM private key (PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY")',
    };
  }
  if (key.asymmetricKeyType !== 'rsa') {
    return {
      problem:
        `is a key of type ${key.asymmetricKeyType ?? 'unknown'}; web identity tokens are signed with ` +
        `RS256 and need an RSA key of at least ${MIN_RSA_KEY_BITS} bits ` +
        '(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048)',
    };
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_KEY_BITS) {
    return { problem: `is a ${bits}-bit RSA key; at least ${MIN_RSA_KEY_BITS} bits are needed` };
  }
  return { key };
}

/** Loads every configured key, collecting a problem per unusable key and per repeated key or id. */
function loadKeys(configured: readonly SigningKeyConfig[]): {
  keys: WebIdentitySigningKey[];
  issues: ConfigIssue[];
} {
  const keys: WebIdentitySigningKey[] = [];
  const issues: ConfigIssue[] = [];
  const seenKids = new Map<string, number>();
  const seenKeys = new Map<string, number>();
  configured.forEach((entry, index) => {
    const read = readPrivateKey(entry.privateKey);
    if ('problem' in read) {
      issues.push({ path: `${KEYS_PATH}[${index}].privateKey`, message: read.problem });
      return;
    }
    const key = toSigningKey(read.key, entry.id);
    const thumbprint = rsaJwkThumbprint(key.publicJwk);
    const sameKey = seenKeys.get(thumbprint);
    if (sameKey !== undefined) {
      issues.push({
        path: `${KEYS_PATH}[${index}].privateKey`,
        message: `is the same key as ${KEYS_PATH}[${sameKey}]`,
      });
      return;
    }
    const sameId = seenKids.get(key.kid);
    if (sameId !== undefined) {
      issues.push({
        path: `${KEYS_PATH}[${index}].id`,
        message: `repeats the key id "${key.kid}" of ${KEYS_PATH}[${sameId}]`,
      });
      return;
    }
    seenKeys.set(thumbprint, index);
    seenKids.set(key.kid, index);
    keys.push(key);
  });
  return { keys, issues };
}

/**
 * What is wrong with the configured signing keys, as config issues (empty
 * when every key is usable). For `fedgate config validate`; the key ring
 * throws the same issues at start-up.
 */
export function signingKeyIssues(configured: readonly SigningKeyConfig[]): ConfigIssue[] {
  return loadKeys(configured).issues;
}

function generateRsaKey(): Promise<KeyObject> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: GENERATED_KEY_BITS }, (error, _publicKey, privateKey) => {
      if (error) {
        reject(error);
      } else {
        resolve(privateKey);
      }
    });
  });
}

/**
 * fedgate's web identity signing keys, newest first: the first signs every
 * token, all of them are published in jwks.json, so tokens signed by a key
 * being retired still verify while they live. Rotation is a config change
 * (docs/web-identity.md).
 */
export class WebIdentityKeyRing {
  private constructor(
    private readonly entries: readonly WebIdentitySigningKey[],
    /** The key was made at start-up: other replicas publish other keys, and a restart forgets it. */
    readonly ephemeral: boolean,
  ) {}

  /**
   * The configured keys, or one RSA-2048 key made now when none is
   * configured. Unusable keys throw a ConfigError naming
   * `issuance.webIdentity.signingKeys[i]` (never the key itself).
   */
  static async fromConfig(configured: readonly SigningKeyConfig[]): Promise<WebIdentityKeyRing> {
    return configured.length === 0 ? WebIdentityKeyRing.generate() : WebIdentityKeyRing.fromPem(configured);
  }

  /** Loads configured PEM keys; throws a ConfigError listing every unusable one. */
  static fromPem(configured: readonly SigningKeyConfig[]): WebIdentityKeyRing {
    const { keys, issues } = loadKeys(configured);
    if (issues.length > 0) {
      throw ConfigError.invalid('the web identity signing keys', issues);
    }
    if (keys.length === 0) {
      throw ConfigError.invalid('the web identity signing keys', [
        { path: KEYS_PATH, message: 'must list at least one key' },
      ]);
    }
    return new WebIdentityKeyRing(keys, false);
  }

  /** A ring of one freshly generated RSA-2048 key (fine for a single instance). */
  static async generate(): Promise<WebIdentityKeyRing> {
    return new WebIdentityKeyRing([toSigningKey(await generateRsaKey(), undefined)], true);
  }

  /** The key that signs new tokens: the first configured one. */
  get signingKey(): WebIdentitySigningKey {
    const [first] = this.entries;
    if (first === undefined) {
      throw new Error('a web identity key ring without keys');
    }
    return first;
  }

  /** Every published key, signing key first. */
  get keys(): readonly WebIdentitySigningKey[] {
    return this.entries;
  }

  /** The JWKS document: public members only, a fresh copy per call. */
  jwks(): JsonWebKeySetDocument {
    return { keys: this.entries.map((key) => ({ ...key.publicJwk })) };
  }
}
