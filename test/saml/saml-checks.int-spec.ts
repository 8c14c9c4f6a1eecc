/**
 * Every rule of docs/connectors/saml.md against the committed fixtures of
 * test/saml/fixtures (made by xml-crypto and xml-encryption, see its
 * README.md): each valid case signs in, each broken one is refused at its
 * own check, nothing refused uses up an assertion, and every assertion is
 * single-use in Redis (100 concurrent posts: one sign-in).
 */
import { createHash } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import { createStore, type Store } from '@fedgate/store';
import { startRedis, type RedisServer } from '../harness/redis';
import { fixtureCases, fixtureConfig, fixtureConnector, fixtureResponse } from './saml-connector-helpers';
import { FIXTURE } from './fixtures/test-idp';

const ACS = FIXTURE.acsUrl;

async function refusal(promise: Promise<unknown>): Promise<FedgateError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FedgateError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a refusal, got a sign-in');
}

describe('SAML response checks on committed fixtures', () => {
  let redis: RedisServer;
  let store: Store;

  let tests = 0;

  beforeAll(async () => {
    redis = await startRedis();
  });

  // The fixtures share assertion IDs: each test gets its own replay cache (a key prefix of its own).
  beforeEach(async () => {
    tests += 1;
    store = await createStore({ type: 'redis', url: redis.url, keyPrefix: `saml-checks-${tests}:` });
  });

  afterEach(async () => {
    await store.close();
  });

  afterAll(async () => {
    await redis.stop();
  });

  const cases = fixtureCases();

  it('has a failing case for every check', () => {
    const phases = new Set(cases.flatMap((entry) => (entry.expect.accept ? [] : [entry.expect.phase])));
    for (const check of [
      'doctype',
      'signature',
      'algorithm',
      'issuer',
      'destination',
      'recipient',
      'audience',
      'conditions',
      'confirmation',
      'in-response-to',
      'status',
      'decryption',
      'attributes',
      'xml',
    ]) {
      expect(phases).toContain(`saml.${check}`);
    }
  });

  it.each(cases.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
    const connector = fixtureConnector(store, fixtureConfig({ ...entry.config }, { ...entry.settings }));
    const post = { acsUrl: ACS, samlResponse: fixtureResponse(entry.name), inResponseTo: entry.inResponseTo };
    if (entry.expect.accept) {
      const { identity } = await connector.handlePost(post, {});
      expect(identity.subject).toBe(entry.expect.subject);
      expect(identity.connectorId).toBe('corp');
      const { username, groups, attributes, mfa } = entry.expect;
      expect({
        username: identity.username,
        groups: identity.groups,
        attributes: identity.attributes,
        mfa: identity.mfa.satisfied,
      }).toEqual({
        username: username ?? identity.username,
        groups: groups ?? identity.groups,
        attributes: attributes ?? identity.attributes,
        mfa: mfa ?? identity.mfa.satisfied,
      });
      // Single use: the same assertion never signs in twice.
      const again = await refusal(connector.handlePost(post, {}));
      expect(again.phase).toBe('saml.replay');
    } else {
      const error = await refusal(connector.handlePost(post, {}));
      expect({ code: error.code, phase: error.phase }).toEqual({
        code: 'assertion_invalid',
        phase: entry.expect.phase,
      });
      expect(error.message).toMatch(/^Sign-in failed: /);
      const response = Buffer.from(post.samlResponse, 'base64').toString('utf8');
      expect(JSON.stringify(error.detail)).not.toContain(response.slice(0, 200));
    }
    await store.ping();
  });

  it('reads the identity from the signed assertion: groups, email, PrincipalTag, MFA', async () => {
    const connector = fixtureConnector(store, fixtureConfig({}, { allowIdpInitiated: true }));
    const { identity } = await connector.handlePost(
      { acsUrl: ACS, samlResponse: fixtureResponse('valid-idp-initiated'), inResponseTo: undefined },
      {},
    );
    expect(identity).toEqual({
      connectorId: 'corp',
      subject: 'alice-0001',
      username: 'alice-0001',
      email: 'alice@corp.test',
      emailVerified: true,
      displayName: 'Alice Example',
      groups: ['aws-admins', 'developers'],
      attributes: { Department: ['Engineering'] },
      mfa: { satisfied: true, methods: ['urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract'] },
      authTime: '2025-06-01T11:59:55.000Z',
      acr: 'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
    });
  });

  it('does not count MFA when the context is not a second factor', async () => {
    const connector = fixtureConnector(
      store,
      fixtureConfig({ mfa: { authnContextClassRefs: ['https://refeds.org/profile/mfa'] } }),
    );
    const { identity } = await connector.handlePost(
      { acsUrl: ACS, samlResponse: fixtureResponse('encrypted-aes128-cbc'), inResponseTo: FIXTURE.requestId },
      {},
    );
    expect(identity.mfa).toEqual({ satisfied: false, methods: [] });
  });

  it('refuses a multi-megabyte body before decoding it', async () => {
    const connector = fixtureConnector(store);
    const huge = Buffer.from(`<samlp:Response>${'x'.repeat(3 * 1024 * 1024)}</samlp:Response>`).toString(
      'base64',
    );
    const error = await refusal(
      connector.handlePost({ acsUrl: ACS, samlResponse: huge, inResponseTo: FIXTURE.requestId }, {}),
    );
    expect(error.phase).toBe('saml.size');
  });

  it('refuses a response past the clock skew, and accepts it within', async () => {
    const late = new Date(Date.parse(FIXTURE.now) + 300_000 + 50_000).toISOString();
    const within = fixtureConnector(store, fixtureConfig({}, { clockSkew: '1m' }), late);
    await expect(
      within.handlePost(
        {
          acsUrl: ACS,
          samlResponse: fixtureResponse('signed-response-and-assertion'),
          inResponseTo: FIXTURE.requestId,
        },
        {},
      ),
    ).resolves.toBeDefined();
    const strict = fixtureConnector(store, fixtureConfig({}, { clockSkew: '10s' }), late);
    const error = await refusal(
      strict.handlePost(
        { acsUrl: ACS, samlResponse: fixtureResponse('valid'), inResponseTo: FIXTURE.requestId },
        {},
      ),
    );
    expect(error.phase).toBe('saml.conditions');
  });

  it('accepts either certificate while the IdP rotates its key', async () => {
    const { idpMetadataXml, keyPair } = await import('./fixtures/test-idp');
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const path = join(mkdtempSync(join(tmpdir(), 'saml-rotation-')), 'idp.xml');
    writeFileSync(path, idpMetadataXml([keyPair('idp').certificate, keyPair('idp-rotated-out').certificate]));
    const connector = fixtureConnector(store, fixtureConfig({ idp: { metadataFile: path } }));
    const { identity } = await connector.handlePost(
      {
        acsUrl: ACS,
        samlResponse: fixtureResponse('signed-by-rotated-out-key'),
        inResponseTo: FIXTURE.requestId,
      },
      {},
    );
    expect(identity.subject).toBe('alice-0001');
  });

  it('lets exactly one of 100 concurrent posts of one assertion sign in', async () => {
    const connector = fixtureConnector(store, fixtureConfig({ id: 'concurrent' }));
    const post = {
      acsUrl: ACS,
      samlResponse: fixtureResponse('encrypted-aes256-gcm'),
      inResponseTo: FIXTURE.requestId,
    };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 100 }, () => connector.handlePost(post, {})),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const phases = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [(outcome.reason as FedgateError).phase] : [],
    );
    expect(new Set(phases)).toEqual(new Set(['saml.replay']));
  });

  it('keeps an accepted assertion ID in the store with SET NX until its NotOnOrAfter plus the skew', async () => {
    const connector = fixtureConnector(store, fixtureConfig({ id: 'ttl' }, { clockSkew: '1m' }));
    await connector.handlePost(
      { acsUrl: ACS, samlResponse: fixtureResponse('valid'), inResponseTo: FIXTURE.requestId },
      {},
    );
    // The fixture's NotOnOrAfter is 5 minutes after its clock: 5m + 1m of skew.
    const key = `saml-assertion:ttl:${createHash('sha256').update(`${FIXTURE.idpEntityId}\u0000_assertion-1`).digest('base64url')}`;
    const ttl = await store.ttl(key);
    expect(ttl).toBeLessThanOrEqual(360_000);
    expect(ttl).toBeGreaterThan(300_000);
  });

  it('refuses every sign-in while the store is down', async () => {
    const down = await createStore({ type: 'redis', url: redis.url, keyPrefix: 'saml-down:' });
    await down.close();
    const connector = fixtureConnector(down, fixtureConfig({ id: 'storeless' }));
    const error = await refusal(
      connector.handlePost(
        { acsUrl: ACS, samlResponse: fixtureResponse('valid'), inResponseTo: FIXTURE.requestId },
        {},
      ),
    );
    expect(error.code).toBe('store_unavailable');
  });
});
