import { createHash } from 'node:crypto';
import { MAX_MEMOIZED_VALUE_LENGTH, RateKeys, sha256Base64url } from './rate-keys';

/** The key as every earlier version wrote it, with a Hash object. */
function hashObjectKey(prefix: string, kind: string, value: string): string {
  return `rate:${prefix}:${kind}:${createHash('sha256').update(value).digest('base64url')}`;
}

/** Values a key is made of, each with a name for the test titles. */
const VALUES: [string, string][] = [
  ['the empty string', ''],
  ['an IPv4 address', '10.0.0.1'],
  ['an IPv6 address', '2001:db8::1'],
  ['a connector and subject', 'corp\nalice@example.com'],
  ['the unknown address', 'unknown'],
  ['non-ASCII text', 'ünïcødé ✓ 🚀'],
  ['a lone surrogate', 'lone \ud800 surrogate'],
  ['a value too long to remember', 'x'.repeat(MAX_MEMOIZED_VALUE_LENGTH + 1)],
];

describe('sha256Base64url', () => {
  it('digests like the SHA-256 test vector', () => {
    expect(sha256Base64url('')).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
    expect(sha256Base64url('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it.each(VALUES)('gives what a Hash object gives for %s', (_name, value) => {
    expect(sha256Base64url(value)).toBe(createHash('sha256').update(value).digest('base64url'));
  });
});

describe('RateKeys', () => {
  it.each(VALUES)('keeps the store key layout for %s, first time and remembered', (_name, value) => {
    const keys = new RateKeys('issue', 'user');
    expect(keys.key(value)).toBe(hashObjectKey('issue', 'user', value));
    expect(keys.key(value)).toBe(hashObjectKey('issue', 'user', value));
  });

  it('keeps kinds apart', () => {
    expect(new RateKeys('oauth', 'client').key('cli')).toBe(hashObjectKey('oauth', 'client', 'cli'));
    expect(new RateKeys('oauth', 'user').key('cli')).toBe(hashObjectKey('oauth', 'user', 'cli'));
  });

  /** RateKeys over a digest that records which values it was asked for. */
  function watched(maxEntries?: number): { keys: RateKeys; digested: string[] } {
    const digested: string[] = [];
    const digest = (value: string): string => {
      digested.push(value);
      return sha256Base64url(value);
    };
    return { keys: new RateKeys('issue', 'client', { maxEntries, digest }), digested };
  }

  it('digests a value once however often it comes back', () => {
    const { keys, digested } = watched();
    for (let index = 0; index < 10; index += 1) {
      expect(keys.key('10.0.0.1')).toBe(hashObjectKey('issue', 'client', '10.0.0.1'));
    }
    expect(digested).toEqual(['10.0.0.1']);
    expect(keys.size).toBe(1);
  });

  it('remembers at most maxEntries values, and still answers right for those it forgot', () => {
    const { keys } = watched(3);
    for (let index = 0; index < 50; index += 1) {
      expect(keys.key(`10.0.0.${index}`)).toBe(hashObjectKey('issue', 'client', `10.0.0.${index}`));
      expect(keys.size).toBeLessThanOrEqual(3);
    }
    expect(keys.size).toBe(3);
    expect(keys.key('10.0.0.0')).toBe(hashObjectKey('issue', 'client', '10.0.0.0'));
    expect(keys.size).toBe(3);
  });

  it('forgets the oldest value first', () => {
    const { keys, digested } = watched(2);
    keys.key('a');
    keys.key('b');
    keys.key('c'); // forgets 'a'
    keys.key('b');
    keys.key('c');
    expect(digested).toEqual(['a', 'b', 'c']);
    keys.key('a'); // digested again; forgets 'b'
    keys.key('c');
    keys.key('b'); // digested again
    expect(digested).toEqual(['a', 'b', 'c', 'a', 'b']);
  });

  it('does not remember long values, nor anything with maxEntries 0', () => {
    const { keys } = watched();
    keys.key('x'.repeat(MAX_MEMOIZED_VALUE_LENGTH + 1));
    expect(keys.size).toBe(0);
    keys.key('x'.repeat(MAX_MEMOIZED_VALUE_LENGTH));
    expect(keys.size).toBe(1);

    const none = new RateKeys('issue', 'user', { maxEntries: 0 });
    expect(none.key('alice')).toBe(hashObjectKey('issue', 'user', 'alice'));
    expect(none.size).toBe(0);
  });

  it.each([-1, 1.5, Number.NaN])('rejects maxEntries %p', (maxEntries) => {
    expect(() => new RateKeys('issue', 'user', { maxEntries })).toThrow(RangeError);
  });
});
