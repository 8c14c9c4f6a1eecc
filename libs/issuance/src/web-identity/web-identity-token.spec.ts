import { createHash, generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { WebIdentityPlan } from '@fedgate/mapping';
import { WebIdentityKeyRing } from './signing-keys';
import { awsSessionClaims, webIdentitySubject, WebIdentityTokenSigner } from './web-identity-token';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const ring = WebIdentityKeyRing.fromPem([{ id: 'key-1', privateKey: pem }]);
const NOW = Date.parse('2026-03-01T12:00:00Z');
const settings = {
  issuer: 'https://fedgate.example.com',
  audience: 'sts.amazonaws.com',
  tokenLifetimeSeconds: 300,
};

const plan: WebIdentityPlan = {
  mode: 'web-identity',
  accountId: '111111111111',
  accountName: 'prod',
  partition: 'aws',
  backendId: 'aws',
  permissionSet: 'Data',
  duration: {
    seconds: 3600,
    limitedBy: 'permission-set',
    explanation: "1h: the permission set's sessionDuration",
  },
  roleArn: 'arn:aws:iam::111111111111:role/fedgate-Data',
  roleSessionName: 'alice.0123abcd',
  sourceIdentity: 'alice',
  policyArns: [],
  sessionTags: [
    { key: 'Department', value: 'Données & Analyse' },
    { key: 'fedgate:mfa', value: 'true' },
    { key: 'Empty', value: '' },
  ],
  transitiveTagKeys: ['Department'],
};

async function verify(token: string, now = NOW) {
  return jwtVerify(token, createLocalJWKSet(ring.jwks()), {
    algorithms: ['RS256'],
    issuer: settings.issuer,
    audience: settings.audience,
    currentDate: new Date(now),
  });
}

describe('WebIdentityTokenSigner', () => {
  const signer = new WebIdentityTokenSigner(ring, settings, () => NOW);

  it('signs the claims AWS reads, with RS256 and the signing key id', async () => {
    const signed = await signer.sign(plan, { connectorId: 'corp', subject: 'u-1234' });
    expect(decodeProtectedHeader(signed.token)).toEqual({ alg: 'RS256', kid: 'key-1', typ: 'JWT' });
    const { payload } = await verify(signed.token);
    const iat = NOW / 1000;
    expect(payload).toEqual({
      iss: 'https://fedgate.example.com',
      aud: 'sts.amazonaws.com',
      sub: 'corp:u-1234',
      iat,
      nbf: iat - 60,
      exp: iat + 300,
      jti: signed.jti,
      'https://aws.amazon.com/tags': {
        principal_tags: { Department: ['Données & Analyse'], 'fedgate:mfa': ['true'], Empty: [''] },
        transitive_tag_keys: ['Department'],
      },
      'https://aws.amazon.com/source_identity': 'alice',
    });
    expect(signed).toMatchObject({
      kid: 'key-1',
      subject: 'corp:u-1234',
      issuedAt: new Date(NOW),
      expiresAt: new Date(NOW + 300_000),
    });
    expect(signed.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives every token its own jti', async () => {
    const identity = { connectorId: 'corp', subject: 'u-1234' };
    const [first, second] = await Promise.all([signer.sign(plan, identity), signer.sign(plan, identity)]);
    expect(first.jti).not.toBe(second.jti);
  });

  it('expires after tokenLifetime', async () => {
    const signed = await signer.sign(plan, { connectorId: 'corp', subject: 'u-1234' });
    await expect(verify(signed.token, NOW + 299_000)).resolves.toBeDefined();
    await expect(verify(signed.token, NOW + 301_000)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  it('leaves the tags claim out without tags, and transitive keys out without them', () => {
    expect(awsSessionClaims({ ...plan, sessionTags: [], transitiveTagKeys: [] })).toEqual({
      'https://aws.amazon.com/source_identity': 'alice',
    });
    expect(
      awsSessionClaims({ ...plan, sessionTags: [{ key: 'a', value: 'b' }], transitiveTagKeys: [] }),
    ).toEqual({
      'https://aws.amazon.com/tags': { principal_tags: { a: ['b'] } },
      'https://aws.amazon.com/source_identity': 'alice',
    });
  });

  it('keeps a tag named __proto__ as a plain claim', () => {
    const claims = awsSessionClaims({ ...plan, sessionTags: [{ key: '__proto__', value: 'x' }] });
    expect(JSON.stringify(claims)).toContain('"principal_tags":{"__proto__":["x"]}');
  });
});

describe('webIdentitySubject', () => {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

  it.each<[string, string, string]>([
    ['corp', 'u-1234', 'corp:u-1234'],
    ['corp-ad', 'CN=Alice Smith,OU=People', 'corp-ad:CN=Alice Smith,OU=People'],
    ['github', '1234', 'github:1234'],
    ['c', 'u1', `c:sha256:${digest('u1')}`],
    ['corp', 'zoë', `corp:sha256:${digest('zoë')}`],
    ['corp', 'line\nbreak', `corp:sha256:${digest('line\nbreak')}`],
    ['corp', 'x'.repeat(250), `corp:${'x'.repeat(250)}`],
    ['corp', 'x'.repeat(251), `corp:sha256:${digest('x'.repeat(251))}`],
  ])('%s / %j → %s', (connectorId, subject, expected) => {
    const sub = webIdentitySubject({ connectorId, subject });
    expect(sub).toBe(expected);
    expect(sub.length).toBeGreaterThanOrEqual(6);
    expect(sub.length).toBeLessThanOrEqual(255);
  });

  it('stays within 255 characters for the longest connector id', () => {
    expect(webIdentitySubject({ connectorId: 'c'.repeat(63), subject: '\u0000' }).length).toBeLessThanOrEqual(
      255,
    );
  });
});
