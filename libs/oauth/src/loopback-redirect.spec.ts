import { createHash } from 'node:crypto';
import { checkLoopbackRedirect } from './loopback-redirect';
import { requireS256Challenge, verifierMatches } from './pkce';
import { normalizeUserCode, newUserCode } from './user-code';

describe('checkLoopbackRedirect', () => {
  it.each(['http://127.0.0.1:1/callback', 'http://127.0.0.1:65535/callback', 'http://[::1]:8080/callback'])(
    'accepts %s (any port on a loopback IP literal)',
    (uri) => {
      expect(checkLoopbackRedirect(uri, ['/callback'])).toBe(uri);
    },
  );

  it.each([
    ['http://localhost:8080/callback', /127\.0\.0\.1/],
    ['https://127.0.0.1:8080/callback', /127\.0\.0\.1/],
    ['http://127.0.0.2:8080/callback', /127\.0\.0\.1/],
    ['http://evil.example.com/callback', /127\.0\.0\.1/],
    ['http://127.0.0.1/callback', /port/],
    ['http://127.0.0.1:8080/other', /not registered/],
    ['http://127.0.0.1:8080/callback/', /not registered/],
    ['http://127.0.0.1:8080/x/../callback', /not registered/],
    ['http://127.0.0.1:08080/callback', /not registered/],
    ['http://127.0.0.1:8080/callback?next=https://evil', /query/],
    ['http://a@127.0.0.1:8080/callback', /credentials/],
    ['not a url', /not a URL/],
  ])('refuses %s', (uri, message) => {
    expect(() => checkLoopbackRedirect(uri, ['/callback'])).toThrow(message);
  });
});

describe('PKCE', () => {
  const verifier = 'a'.repeat(43);
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  it('requires S256 and refuses plain or a missing method', () => {
    expect(requireS256Challenge(challenge, 'S256')).toBe(challenge);
    expect(() => requireS256Challenge(challenge, 'plain')).toThrow(/plain is not accepted/);
    expect(() => requireS256Challenge(challenge, undefined)).toThrow(/must be S256/);
    expect(() => requireS256Challenge(undefined, 'S256')).toThrow(/code_challenge is required/);
    expect(() => requireS256Challenge('short', 'S256')).toThrow(/not a base64url SHA-256/);
  });

  it('matches only the verifier the challenge came from', () => {
    expect(verifierMatches(verifier, challenge)).toBe(true);
    expect(verifierMatches('b'.repeat(43), challenge)).toBe(false);
    expect(verifierMatches(challenge, challenge)).toBe(false);
    expect(verifierMatches(undefined, challenge)).toBe(false);
  });
});

describe('user codes', () => {
  it('are eight letters of the unambiguous alphabet, typed in any case with or without the dash', () => {
    const code = newUserCode();
    expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(normalizeUserCode(code.toLowerCase().replace('-', ' '))).toBe(code);
    expect(normalizeUserCode('ABCD-EFGH')).toBeUndefined();
    expect(normalizeUserCode('BCDF-GHJ')).toBeUndefined();
  });
});
