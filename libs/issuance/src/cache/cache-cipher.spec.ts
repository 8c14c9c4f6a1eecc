import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

import { CacheCipher } from './cache-cipher';

const keyA = { id: 'a', key: randomBytes(32).toString('base64') };
const keyB = { id: 'key.b-2', key: randomBytes(32).toString('base64') };
const AAD = 'f'.repeat(64);
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

/** The value with one character of the named part replaced, keeping it well formed. */
function tamper(sealed: string, part: 'iv' | 'body'): string {
  const parts = sealed.split('.');
  const index = part === 'iv' ? parts.length - 2 : parts.length - 1;
  const text = parts[index]!;
  const position = Math.floor(text.length / 2);
  parts[index] = text.slice(0, position) + (text[position] === 'A' ? 'B' : 'A') + text.slice(position + 1);
  return parts.join('.');
}

describe('CacheCipher', () => {
  const cipher = CacheCipher.fromConfig([keyA]);

  it('round-trips text and seals it as v1.<keyId>.<iv>.<ciphertext+tag> without the plaintext', () => {
    const sealed = cipher.encrypt(SECRET, AAD);
    expect(sealed).toMatch(/^v1\.a\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64url'));
    expect(cipher.decrypt(sealed, AAD)).toBe(SECRET);
    expect(cipher.decrypt(cipher.encrypt('', AAD), AAD)).toBe('');
  });

  it('uses a fresh IV every time', () => {
    const first = cipher.encrypt(SECRET, AAD);
    const second = cipher.encrypt(SECRET, AAD);
    expect(first.split('.')[2]).not.toBe(second.split('.')[2]);
    expect(first).not.toBe(second);
  });

  it('binds the value to its AAD, so an entry cannot be moved to another cache key', () => {
    const sealed = cipher.encrypt(SECRET, AAD);
    expect(cipher.decrypt(sealed, 'e'.repeat(64))).toBeUndefined();
  });

  it.each(['iv', 'body'] as const)('treats a tampered %s as undecryptable', (part) => {
    const sealed = cipher.encrypt(SECRET, AAD);
    const tampered = tamper(sealed, part);
    expect(tampered).not.toBe(sealed);
    expect(cipher.decrypt(tampered, AAD)).toBeUndefined();
  });

  it('treats a value relabelled with another known key id as undecryptable', () => {
    const both = CacheCipher.fromConfig([keyA, keyB]);
    const sealed = both.encrypt(SECRET, AAD);
    expect(both.decrypt(sealed.replace(/^v1\.a\./, 'v1.key.b-2.'), AAD)).toBeUndefined();
  });

  it.each([
    '',
    'plain text',
    'v1',
    'v1.a',
    'v1.a.b',
    'v2.a.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA',
    'v1..AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA',
    'v1.a.AAAA.AAAAAAAAAAAAAAAAAAAAAA',
    'v1.a.AAAAAAAAAAAAAAAA.AAAA',
    'v1.a.AAAAAAAAAAAAAAAA.AAAA AAAAAAAAAAAAAAAAAA',
  ])('treats the malformed value %p as undecryptable', (value) => {
    expect(cipher.decrypt(value, AAD)).toBeUndefined();
  });

  describe('key rotation', () => {
    const sealedUnderA = CacheCipher.fromConfig([keyA]).encrypt(SECRET, AAD);

    it('decrypts with any listed key and encrypts with the first', () => {
      const rotated = CacheCipher.fromConfig([keyB, keyA]);
      expect(rotated.decrypt(sealedUnderA, AAD)).toBe(SECRET);
      expect(rotated.keyId).toBe('key.b-2');
      const sealedUnderB = rotated.encrypt(SECRET, AAD);
      expect(sealedUnderB.startsWith('v1.key.b-2.')).toBe(true);
      expect(CacheCipher.fromConfig([keyB]).decrypt(sealedUnderB, AAD)).toBe(SECRET);
    });

    it('cannot read entries of a key that is no longer listed', () => {
      expect(CacheCipher.fromConfig([keyB]).decrypt(sealedUnderA, AAD)).toBeUndefined();
    });

    it('cannot read entries of a different key under the same id', () => {
      const other = CacheCipher.fromConfig([{ id: 'a', key: randomBytes(32).toString('base64') }]);
      expect(other.decrypt(sealedUnderA, AAD)).toBeUndefined();
    });
  });

  describe('ephemeral', () => {
    it('round-trips, and one process cannot read another process key', () => {
      const first = CacheCipher.ephemeral();
      const second = CacheCipher.ephemeral();
      const sealed = first.encrypt(SECRET, AAD);
      expect(first.decrypt(sealed, AAD)).toBe(SECRET);
      expect(second.decrypt(sealed, AAD)).toBeUndefined();
    });
  });

  describe('fromConfig', () => {
    it.each([
      ['an empty list', []],
      ['a short key', [{ id: 'a', key: randomBytes(16).toString('base64') }]],
      ['a long key', [{ id: 'a', key: randomBytes(33).toString('base64') }]],
      ['a key that is not base64', [{ id: 'a', key: `${'!'.repeat(43)}=` }]],
      ['an empty id', [{ id: '', key: keyA.key }]],
      ['an id with a space', [{ id: 'a b', key: keyA.key }]],
      ['a duplicate id', [keyA, { id: 'a', key: keyB.key }]],
    ])('rejects %s', (_case, keys) => {
      expect(() => CacheCipher.fromConfig(keys)).toThrow(RangeError);
    });

    it('never puts key material in its errors', () => {
      const short = randomBytes(31).toString('base64');
      let message = '';
      try {
        CacheCipher.fromConfig([{ id: 'short', key: short }]);
      } catch (error) {
        message = inspect(error);
      }
      expect(message).toContain('short');
      expect(message).not.toContain(short);
    });
  });

  it('shows no key material when inspected or serialized', () => {
    const both = CacheCipher.fromConfig([keyA, keyB]);
    const shown = `${inspect(both, { showHidden: true, depth: 10 })} ${JSON.stringify(both)}`;
    for (const { key } of [keyA, keyB]) {
      const bytes = Buffer.from(key, 'base64');
      expect(shown).not.toContain(key);
      expect(shown).not.toContain(bytes.toString('hex'));
      expect(shown).not.toContain(bytes.toString('base64url'));
      // How util.inspect shows a Buffer: <Buffer 0a 1b …>.
      expect(shown).not.toContain(
        bytes
          .subarray(0, 6)
          .toString('hex')
          .replace(/(..)(?!$)/g, '$1 '),
      );
    }
    expect(JSON.parse(JSON.stringify(both))).toEqual({ keyId: 'a', keyIds: ['a', 'key.b-2'] });
  });
});
