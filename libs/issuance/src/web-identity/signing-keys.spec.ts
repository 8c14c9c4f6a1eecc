import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { ConfigError } from '@fedgate/config';
import { rsaJwkThumbprint, signingKeyIssues, WebIdentityKeyRing } from './signing-keys';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function rsaPem(bits = 2048, type: 'pkcs8' | 'pkcs1' = 'pkcs8'): string {
  return generateKeyPairSync('rsa', { modulusLength: bits })
    .privateKey.export({ format: 'pem', type })
    .toString();
}

// Generated once: RSA key generation takes a moment.
const keyA = rsaPem();
const keyB = rsaPem(3072, 'pkcs1');
const keyC = rsaPem();

function thrown(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a ConfigError');
}

async function signWith(ring: WebIdentityKeyRing): Promise<string> {
  const key = ring.signingKey;
  return new SignJWT({ sub: 'corp:u-1' })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer('https://fedgate.example.com')
    .setAudience('sts.amazonaws.com')
    .setExpirationTime('5m')
    .sign(key.privateKey);
}

async function verifies(token: string, ring: WebIdentityKeyRing): Promise<boolean> {
  try {
    await jwtVerify(token, createLocalJWKSet(ring.jwks()), { algorithms: ['RS256'] });
    return true;
  } catch {
    return false;
  }
}

describe('WebIdentityKeyRing', () => {
  it('names a key by its RFC 7638 thumbprint unless the config gives an id', async () => {
    const ring = WebIdentityKeyRing.fromPem([{ privateKey: keyA }, { id: '2026-01', privateKey: keyB }]);
    const [first, second] = ring.keys;
    expect(first!.kid).toBe(await calculateJwkThumbprint(first!.publicJwk, 'sha256'));
    expect(first!.kid).toBe(rsaJwkThumbprint(first!.publicJwk));
    expect(second!.kid).toBe('2026-01');
    expect(ring.signingKey).toBe(first);
    expect(ring.ephemeral).toBe(false);
  });

  it('reads PKCS#8 and PKCS#1 PEM and publishes only the public members', () => {
    const jwks = WebIdentityKeyRing.fromPem([{ privateKey: keyA }, { privateKey: keyB }]).jwks();
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
      for (const member of PRIVATE_MEMBERS) {
        expect(key).not.toHaveProperty(member);
      }
    }
    const text = JSON.stringify(jwks);
    for (const member of PRIVATE_MEMBERS) {
      expect(text).not.toContain(`"${member}"`);
    }
  });

  it('hands out copies: changing a served document changes nothing', () => {
    const ring = WebIdentityKeyRing.fromPem([{ privateKey: keyA }]);
    const served = ring.jwks();
    served.keys[0]!.kid = 'tampered';
    expect(ring.jwks().keys[0]!.kid).toBe(ring.signingKey.kid);
  });

  it('rotates: the first key signs, and tokens of a retired key verify while it is still listed', async () => {
    const before = WebIdentityKeyRing.fromPem([{ privateKey: keyA }]);
    const during = WebIdentityKeyRing.fromPem([{ privateKey: keyC }, { privateKey: keyA }]);
    const after = WebIdentityKeyRing.fromPem([{ privateKey: keyC }]);

    const oldToken = await signWith(before);
    const newToken = await signWith(during);
    expect(during.signingKey.kid).not.toBe(before.signingKey.kid);
    expect(during.jwks().keys.map((key) => key.kid)).toEqual([during.signingKey.kid, before.signingKey.kid]);

    expect(await verifies(newToken, during)).toBe(true);
    expect(await verifies(oldToken, during)).toBe(true);
    expect(await verifies(newToken, after)).toBe(true);
    expect(await verifies(oldToken, after)).toBe(false);
  });

  it('generates one RSA-2048 key when none is configured', async () => {
    const ring = await WebIdentityKeyRing.fromConfig([]);
    expect(ring.ephemeral).toBe(true);
    expect(ring.keys).toHaveLength(1);
    expect(ring.signingKey.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(await verifies(await signWith(ring), ring)).toBe(true);
    const other = await WebIdentityKeyRing.fromConfig([]);
    expect(other.signingKey.kid).not.toBe(ring.signingKey.kid);
  });

  const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
  const edKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const smallKey = rsaPem(1024);
  const encrypted = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' })
    .toString();
  const publicOnly = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ format: 'pem', type: 'spki' })
    .toString();
  const corrupt = keyA.replace(/[A-Za-z0-9+/]{40}/, 'A'.repeat(40));

  it.each<[string, string, RegExp]>([
    ['text that is not PEM', 'not a key', /must be a PEM private key/],
    ['an EC P-256 key', ecKey, /is a key of type ec; .*RS256 .*RSA key of at least 2048 bits/],
    ['an Ed25519 key', edKey, /is a key of type ed25519;/],
    ['a 1024-bit RSA key', smallKey, /is a 1024-bit RSA key; at least 2048 bits are needed/],
    ['an encrypted key', encrypted, /is encrypted with a passphrase/],
    ['a public key', publicOnly, /is a public key or certificate/],
    ['a damaged PEM', corrupt, /is not a readable PEM private key/],
  ])('refuses %s with an error naming the key, never showing it', (_name, pem, message) => {
    const error = thrown(() => WebIdentityKeyRing.fromPem([{ privateKey: keyA }, { privateKey: pem }]));
    expect(error.code).toBe('config_invalid');
    expect(error.issues).toEqual([
      {
        path: 'issuance.webIdentity.signingKeys[1].privateKey',
        message: expect.stringMatching(message) as unknown,
      },
    ]);
    expect(error.message).toContain('issuance.webIdentity.signingKeys[1].privateKey: ');
    const everything = `${error.message}\n${JSON.stringify(error.issues)}\n${JSON.stringify(error.detail)}`;
    for (const secret of [pem, keyA]) {
      for (const line of secret.split('\n').filter((text) => text.length > 20 && !text.startsWith('-----'))) {
        expect(everything).not.toContain(line);
      }
    }
  });

  it('lists every bad key at once, and repeated keys and ids', () => {
    const error = thrown(() =>
      WebIdentityKeyRing.fromPem([
        { privateKey: 'x' },
        { id: 'one', privateKey: keyA },
        { privateKey: keyA },
        { id: 'one', privateKey: keyB },
        { privateKey: keyB },
      ]),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'issuance.webIdentity.signingKeys[0].privateKey',
      'issuance.webIdentity.signingKeys[2].privateKey',
      'issuance.webIdentity.signingKeys[3].id',
    ]);
    expect(error.issues[1]!.message).toBe('is the same key as issuance.webIdentity.signingKeys[1]');
    expect(error.issues[2]!.message).toBe('repeats the key id "one" of issuance.webIdentity.signingKeys[1]');
    expect(signingKeyIssues([{ privateKey: keyA }, { privateKey: keyA }])).toEqual([
      {
        path: 'issuance.webIdentity.signingKeys[1].privateKey',
        message: 'is the same key as issuance.webIdentity.signingKeys[0]',
      },
    ]);
    expect(signingKeyIssues([{ privateKey: keyA }, { privateKey: keyB }])).toEqual([]);
  });
});
