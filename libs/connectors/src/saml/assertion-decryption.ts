import { constants, createDecipheriv, privateDecrypt } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { samlRefusal } from './saml-refusal';
import { attributeOf, children, NS, textOf } from './saml-xml';

const XENC11 = 'http://www.w3.org/2009/xmlenc11#';

/** Content encryption: AES-GCM (preferred) and AES-CBC, by key length. */
const CONTENT_CIPHERS: Record<string, { cipher: string; keyBytes: number; mode: 'gcm' | 'cbc' }> = {
  [`${XENC11}aes128-gcm`]: { cipher: 'aes-128-gcm', keyBytes: 16, mode: 'gcm' },
  [`${XENC11}aes192-gcm`]: { cipher: 'aes-192-gcm', keyBytes: 24, mode: 'gcm' },
  [`${XENC11}aes256-gcm`]: { cipher: 'aes-256-gcm', keyBytes: 32, mode: 'gcm' },
  [`${NS.xenc}aes128-cbc`]: { cipher: 'aes-128-cbc', keyBytes: 16, mode: 'cbc' },
  [`${NS.xenc}aes192-cbc`]: { cipher: 'aes-192-cbc', keyBytes: 24, mode: 'cbc' },
  [`${NS.xenc}aes256-cbc`]: { cipher: 'aes-256-cbc', keyBytes: 32, mode: 'cbc' },
};

/** Key transport: RSA-OAEP only. RSA PKCS#1 v1.5 (rsa-1_5) is refused (Bleichenbacher). */
const KEY_TRANSPORTS = new Set([`${NS.xenc}rsa-oaep-mgf1p`, `${XENC11}rsa-oaep`]);
const OAEP_DIGESTS: Record<string, string> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1',
  [`${NS.xenc}sha256`]: 'sha256',
  [`${NS.xenc}sha512`]: 'sha512',
};
const MGF_DIGESTS: Record<string, string> = {
  [`${XENC11}mgf1sha1`]: 'sha1',
  [`${XENC11}mgf1sha256`]: 'sha256',
  [`${XENC11}mgf1sha512`]: 'sha512',
};

/** Every failure after the algorithms are known looks the same: no padding or parsing oracle. */
function undecryptable(): Error {
  return samlRefusal('decryption', 'the encrypted assertion could not be decrypted with fedgate’s keys');
}

/**
 * Decrypts a saml:EncryptedAssertion (XML Encryption 1.1) with fedgate's
 * private keys, the current one first: the content key by RSA-OAEP, the
 * content by AES-GCM or AES-CBC. Returns the decrypted text (the caller
 * parses it as an Assertion and verifies its signature like any other).
 */
export function decryptAssertion(encrypted: Element, privateKeys: readonly string[]): string {
  const data = children(encrypted, NS.xenc, 'EncryptedData')[0];
  const contentAlgorithm =
    attributeOf(children(data ?? encrypted, NS.xenc, 'EncryptionMethod')[0], 'Algorithm') ?? '';
  const content = CONTENT_CIPHERS[contentAlgorithm];
  if (data === undefined || content === undefined) {
    throw samlRefusal('algorithm', 'the assertion is encrypted with an algorithm fedgate does not accept', {
      algorithm: contentAlgorithm.slice(0, 100),
    });
  }
  const encryptedKey = Array.from(encrypted.getElementsByTagNameNS(NS.xenc, 'EncryptedKey'))[0];
  const keyMethod = children(encryptedKey ?? data, NS.xenc, 'EncryptionMethod')[0];
  const keyAlgorithm = attributeOf(keyMethod, 'Algorithm') ?? '';
  if (encryptedKey === undefined || keyMethod === undefined || !KEY_TRANSPORTS.has(keyAlgorithm)) {
    throw samlRefusal(
      'algorithm',
      'the assertion’s key is encrypted with an algorithm fedgate does not accept (RSA-OAEP only)',
      {
        algorithm: keyAlgorithm.slice(0, 100),
      },
    );
  }
  const oaepHash = oaepDigest(keyMethod, keyAlgorithm);
  const wrappedKey = base64Of(cipherValue(encryptedKey));
  const ciphertext = base64Of(cipherValue(data));
  for (const privateKey of privateKeys) {
    let key: Buffer;
    try {
      key = privateDecrypt(
        { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
        wrappedKey,
      );
    } catch {
      continue;
    }
    if (key.length !== content.keyBytes) {
      break;
    }
    return decryptContent(content, key, ciphertext);
  }
  throw undecryptable();
}

function oaepDigest(method: Element, algorithm: string): string {
  const digest =
    attributeOf(children(method, NS.dsig, 'DigestMethod')[0], 'Algorithm') ??
    'http://www.w3.org/2000/09/xmldsig#sha1';
  const hash = OAEP_DIGESTS[digest];
  const mgf =
    algorithm === `${XENC11}rsa-oaep`
      ? MGF_DIGESTS[attributeOf(children(method, XENC11, 'MGF')[0], 'Algorithm') ?? `${XENC11}mgf1sha1`]
      : 'sha1';
  // Node applies one hash to both OAEP and MGF1.
  if (hash === undefined || hash !== mgf) {
    throw samlRefusal('algorithm', 'the assertion’s key uses an RSA-OAEP variant fedgate does not accept', {
      digest: digest.slice(0, 100),
    });
  }
  return hash;
}

function cipherValue(element: Element): string {
  const cipherData = children(element, NS.xenc, 'CipherData')[0];
  const value = textOf(
    cipherData === undefined ? undefined : children(cipherData, NS.xenc, 'CipherValue')[0],
  );
  if (value === undefined) {
    throw undecryptable();
  }
  return value;
}

function base64Of(text: string): Buffer {
  if (!/^[A-Za-z0-9+/=\s]+$/.test(text)) {
    throw undecryptable();
  }
  return Buffer.from(text, 'base64');
}

function decryptContent(content: { cipher: string; mode: 'gcm' | 'cbc' }, key: Buffer, data: Buffer): string {
  try {
    if (content.mode === 'gcm') {
      const iv = data.subarray(0, 12);
      const tag = data.subarray(data.length - 16);
      const decipher = createDecipheriv(content.cipher as 'aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]).toString(
        'utf8',
      );
    }
    const decipher = createDecipheriv(content.cipher, key, data.subarray(0, 16)).setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]);
    // XML Encryption padding: the last octet says how many to drop (the others are arbitrary).
    const padding = plain[plain.length - 1] ?? 0;
    if (padding < 1 || padding > 16) {
      throw new Error('padding');
    }
    return plain.subarray(0, plain.length - padding).toString('utf8');
  } catch {
    throw undecryptable();
  }
}
