/**
 * IdP metadata as a SAML connector loads it: re-read every metadataRefresh
 * (a rotation is trusted without a restart), or set by hand with two
 * certificates during a rotation; from a URL that starts failing
 * (an error status, bad XML, unsigned or wrongly signed documents) the last
 * good copy is kept, sign-ins go on, a warning says so and the connector's
 * metadata status turns `stale` until a good copy arrives. With
 * idp.metadataSigningCertificates, only metadata signed by one of them is
 * read: at start-up a file fails the start naming the key, a URL logs an
 * error and every sign-in fails with idp_unavailable. Metadata and
 * responses are made by test/saml/fixtures/test-idp.ts (xml-crypto), never
 * by fedgate's SP code.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@fedgate/broker-config';
import { SamlSpConnector } from '@fedgate/connectors';
import { FedgateError } from '@fedgate/core';
import { createLogger } from '@fedgate/logging';
import { createStore, type Store } from '@fedgate/store';
import { configFrom, startBroker } from '../broker/broker-harness';
import { LogCapture } from '../harness/log-capture';
import { freePort } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import {
  FIXTURE,
  idpMetadataXml,
  keyPair,
  RSA_SHA1,
  SHA1,
  signedResponse,
  signMetadata,
} from './fixtures/test-idp';
import { startMetadataServer, type MetadataServer } from './metadata-server';
import { fixtureConfig } from './saml-connector-helpers';

const idp = keyPair('idp');
const signer = keyPair('idp-metadata-signing');
const attacker = keyPair('attacker');

/** Metadata that lists these IdP signing certificates, signed by `by` (unsigned when null). */
function metadata(certificates: string[], by: typeof signer | null = signer): string {
  const xml = idpMetadataXml(certificates);
  return by === null ? xml : signMetadata(xml, by);
}

/** A fresh SP-initiated response (its own assertion ID), signed by `key`, as the SAMLResponse field. */
function freshResponse(key = idp): string {
  return Buffer.from(signedResponse({ assertionId: `_a${randomUUID()}` }, key)).toString('base64');
}

async function outcome(connector: SamlSpConnector, samlResponse: string): Promise<string> {
  try {
    const { identity } = await connector.handlePost(
      { acsUrl: FIXTURE.acsUrl, samlResponse, inResponseTo: FIXTURE.requestId },
      {},
    );
    return `signed in as ${identity.subject}`;
  } catch (error) {
    if (error instanceof FedgateError) {
      return `${error.code} at ${error.phase ?? '?'}`;
    }
    throw error;
  }
}

describe('SAML IdP metadata: refresh failures, metadata signatures, status', () => {
  let redis: RedisServer;
  let store: Store;
  let server: MetadataServer;
  let logs: LogCapture;
  let connectors: SamlSpConnector[] = [];

  const connect = (idpKeys: Record<string, unknown>, id = 'corp'): SamlSpConnector => {
    const connector = new SamlSpConnector(fixtureConfig({ id, idp: idpKeys }), {
      store,
      now: () => new Date(FIXTURE.now),
      log: createLogger({ level: 'info', destination: logs }),
    });
    connectors.push(connector);
    return connector;
  };

  const logLine = (message: string) => logs.lines().filter((line) => line.msg === message);

  beforeAll(async () => {
    redis = await startRedis();
    store = await createStore({ type: 'redis', url: redis.url, keyPrefix: 'saml-metadata:' });
  });

  beforeEach(async () => {
    logs = new LogCapture();
    server = await startMetadataServer({ body: metadata([idp.certificate]) });
  });

  afterEach(async () => {
    await Promise.all(connectors.map((connector) => connector.close()));
    connectors = [];
    await server.stop();
  });

  afterAll(async () => {
    await store.close();
    await redis.stop();
  });

  it('keeps the last good copy through every kind of failed refresh, warns, reports stale, and recovers', async () => {
    const connector = connect({ metadataUrl: server.url, metadataSigningCertificates: [signer.certificate] });
    await connector.ready();
    expect(connector.metadataStatus()).toEqual({
      source: 'metadataUrl',
      state: 'current',
      loadedAt: FIXTURE.now,
      consecutiveFailures: 0,
    });
    expect(await outcome(connector, freshResponse())).toBe('signed in as alice-0001');

    const genuine = metadata([idp.certificate]);
    const failures: { what: string; answer: { status?: number; body: string }; reason: RegExp }[] = [
      { what: 'an error status', answer: { status: 503, body: 'down' }, reason: /^HTTP 503$/ },
      { what: 'bad XML', answer: { body: '<md:EntityDescriptor' }, reason: /not usable XML/ },
      {
        what: 'unsigned metadata',
        answer: { body: metadata([attacker.certificate], null) },
        reason: /signature is refused: the identity provider's metadata is not signed/,
      },
      {
        what: 'metadata signed by another key',
        answer: { body: metadata([attacker.certificate], attacker) },
        reason: /does not verify with the metadata signing certificates \(idp\.metadataSigningCertificates\)/,
      },
      {
        what: 'signed metadata whose IdP certificate was swapped afterwards',
        answer: {
          body: genuine.replace(
            idp.certificate.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''),
            attacker.certificate.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''),
          ),
        },
        reason: /does not verify with the metadata signing certificates/,
      },
      {
        what: 'the genuine document wrapped with a forged IdP in an unsigned EntitiesDescriptor',
        answer: {
          body:
            '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">' +
            genuine.replace('<?xml version="1.0"?>\n', '') +
            '</md:EntitiesDescriptor>',
        },
        reason: /metadata is not signed/,
      },
      {
        what: 'a signed copy past its validUntil (an old copy replayed)',
        answer: {
          body: signMetadata(
            idpMetadataXml([attacker.certificate], 'https://idp.test/sso', FIXTURE.idpEntityId, {
              validUntil: '2025-05-01T00:00:00Z',
            }),
            signer,
          ),
        },
        reason: /the metadata expired at 2025-05-01T00:00:00.000Z \(its validUntil\)/,
      },
      {
        what: 'metadata signed with RSA-SHA1',
        answer: {
          body: signMetadata(idpMetadataXml([attacker.certificate]), signer, {
            signature: RSA_SHA1,
            digest: SHA1,
          }),
        },
        reason: /weaker than RSA-SHA256/,
      },
    ];
    for (const [index, failure] of failures.entries()) {
      server.serve(failure.answer);
      await connector.refreshMetadata();
      const status = connector.metadataStatus();
      expect({ what: failure.what, state: status.state, failures: status.consecutiveFailures }).toEqual({
        what: failure.what,
        state: 'stale',
        failures: index + 1,
      });
      expect(status.loadedAt).toBe(FIXTURE.now);
      expect(status.lastFailure?.reason).toMatch(failure.reason);
      const warning = logLine('SAML IdP metadata refresh failed').at(-1);
      expect(warning).toMatchObject({
        level: 40,
        connector: 'corp',
        source: server.url,
        keeping: 'the last good copy',
        consecutiveFailures: index + 1,
      });
      expect(warning?.reason).toMatch(failure.reason);
      // The last good copy still verifies the IdP's responses; the attacker's key was never adopted.
      expect(await outcome(connector, freshResponse())).toBe('signed in as alice-0001');
      expect(await outcome(connector, freshResponse(attacker))).toBe('assertion_invalid at saml.signature');
    }
    expect(logLine('SAML IdP metadata refresh failed')).toHaveLength(failures.length);

    // The IdP publishes a rotation, signed and valid for a day: adopted at once, status current again.
    server.serve({
      body: signMetadata(
        idpMetadataXml(
          [idp.certificate, keyPair('idp-rotated-out').certificate],
          'https://idp.test/sso',
          FIXTURE.idpEntityId,
          { validUntil: '2025-06-02T12:00:00Z' },
        ),
        signer,
      ),
    });
    await connector.refreshMetadata();
    expect(connector.metadataStatus()).toEqual({
      source: 'metadataUrl',
      state: 'current',
      loadedAt: FIXTURE.now,
      consecutiveFailures: 0,
      lastFailure: { at: FIXTURE.now, reason: expect.stringMatching(/weaker than RSA-SHA256/) as unknown },
    });
    expect(logLine('SAML IdP metadata loaded').at(-1)).toMatchObject({
      level: 30,
      certificates: 2,
      signatureChecked: true,
    });
    expect(await outcome(connector, freshResponse(keyPair('idp-rotated-out')))).toBe(
      'signed in as alice-0001',
    );
  });

  it('reads the metadata again every metadataRefresh on its own, and trusts a rotation it publishes', async () => {
    // Only the refresh schedule's interval is simulated: fetch, sockets and the clock stay real.
    jest.useFakeTimers({
      doNotFake: [
        'setTimeout',
        'clearTimeout',
        'setImmediate',
        'clearImmediate',
        'nextTick',
        'queueMicrotask',
        'Date',
        'hrtime',
        'performance',
      ],
    });
    try {
      const connector = connect({ metadataUrl: server.url, metadataRefresh: '1h' });
      await connector.ready();
      expect(server.requests).toBe(1);
      const rotated = keyPair('idp-rotated-out');
      expect(await outcome(connector, freshResponse(rotated))).toBe('assertion_invalid at saml.signature');
      server.serve({ body: metadata([idp.certificate, rotated.certificate]) });
      jest.advanceTimersByTime(59 * 60 * 1000);
      expect(server.requests).toBe(1);
      jest.advanceTimersByTime(60 * 1000);
      // The scheduled load is under way: refreshMetadata joins it rather than starting another.
      await connector.refreshMetadata();
      expect(server.requests).toBe(2);
      expect(await outcome(connector, freshResponse(rotated))).toBe('signed in as alice-0001');
      await connector.close();
      jest.advanceTimersByTime(2 * 60 * 60 * 1000);
      expect(server.requests).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('trusts an IdP set by hand: its entity ID, SSO URL and two certificates during a rotation', async () => {
    const connector = connect({
      entityId: FIXTURE.idpEntityId,
      ssoUrl: 'https://idp.test/sso',
      certificates: [idp.certificate, keyPair('idp-rotated-out').certificate],
    });
    expect(connector.metadataStatus()).toEqual({
      source: 'configured',
      state: 'current',
      loadedAt: FIXTURE.now,
      consecutiveFailures: 0,
    });
    expect(await outcome(connector, freshResponse())).toBe('signed in as alice-0001');
    expect(await outcome(connector, freshResponse(keyPair('idp-rotated-out')))).toBe(
      'signed in as alice-0001',
    );
    expect(await outcome(connector, freshResponse(attacker))).toBe('assertion_invalid at saml.signature');
    const { redirect } = await connector.authnRequest(
      { acsUrl: FIXTURE.acsUrl, relayState: 'state-key' },
      {},
    );
    expect(redirect.kind === 'url' ? new URL(redirect.url).origin + new URL(redirect.url).pathname : '').toBe(
      'https://idp.test/sso',
    );
    await connector.refreshMetadata();
    expect(server.requests).toBe(0);
  });

  it('keeps working on its last copy when the metadata URL stops answering', async () => {
    const connector = connect({ metadataUrl: server.url });
    await connector.ready();
    await server.stop();
    await connector.refreshMetadata();
    expect(connector.metadataStatus()).toMatchObject({ state: 'stale', consecutiveFailures: 1 });
    expect(connector.metadataStatus().lastFailure?.reason).toMatch(/ECONNREFUSED/);
    expect(logLine('SAML IdP metadata refresh failed')).toHaveLength(1);
    expect(await outcome(connector, freshResponse())).toBe('signed in as alice-0001');
    server = await startMetadataServer({ body: metadata([idp.certificate]) });
  });

  it('refuses a metadata file that is unsigned or signed by another key at start-up, naming the key', () => {
    const directory = mkdtempSync(join(tmpdir(), 'saml-metadata-'));
    const file = (name: string, body: string): string => {
      const path = join(directory, name);
      writeFileSync(path, body);
      return path;
    };
    const unsigned = file('unsigned.xml', metadata([idp.certificate], null));
    const foreign = file('foreign.xml', metadata([idp.certificate], attacker));
    const signed = file('signed.xml', metadata([idp.certificate]));
    const trusting = (metadataFile: string) => ({
      metadataFile,
      metadataSigningCertificates: [signer.certificate],
    });
    expect(() => connect(trusting(unsigned))).toThrow(
      `connector corp: idp.metadataFile ${unsigned}: the metadata's signature is refused: the identity provider's metadata is not signed`,
    );
    expect(() => connect(trusting(foreign))).toThrow(
      `connector corp: idp.metadataFile ${foreign}: the metadata's signature is refused: the metadata's signature does not verify with the metadata signing certificates (idp.metadataSigningCertificates)`,
    );
    // Without the setting, unsigned metadata is read as before; with it, signed metadata is.
    expect(connect({ metadataFile: unsigned }).metadataStatus().state).toBe('current');
    expect(connect(trusting(signed)).metadataStatus()).toMatchObject({
      source: 'metadataFile',
      state: 'current',
    });
  });

  it('keeps the broker from starting on a metadata file its signature check refuses, saying why', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'saml-metadata-')), 'idp.xml');
    writeFileSync(path, metadata([idp.certificate], attacker));
    const signerFile = join(mkdtempSync(join(tmpdir(), 'saml-metadata-')), 'signer.crt');
    writeFileSync(signerFile, signer.certificate);
    const config = configFrom(`
server: { publicUrl: "https://fedgate.test" }
connectors:
  - id: corp
    type: saml
    idp: { metadataFile: ${path}, metadataSigningCertificates: ["\${file:${signerFile}}"] }
`);
    await expect(startBroker(config)).rejects.toThrow(
      `connectors[0].idp.metadataFile: the metadata's signature is refused: the metadata's signature does not verify with the metadata signing certificates (idp.metadataSigningCertificates)`,
    );
  });

  it('from a URL, logs refused metadata at start-up as an error and refuses every sign-in until a good copy arrives', async () => {
    server.serve({ body: metadata([attacker.certificate], attacker) });
    const connector = connect({ metadataUrl: server.url, metadataSigningCertificates: [signer.certificate] });
    await connector.ready();
    expect(connector.metadataStatus()).toMatchObject({ state: 'missing', consecutiveFailures: 1 });
    expect(connector.metadataStatus().loadedAt).toBeUndefined();
    expect(logLine('SAML IdP metadata could not be loaded')).toEqual([
      expect.objectContaining({
        level: 50,
        connector: 'corp',
        keeping: 'nothing: sign-ins fail until a load succeeds',
        reason: expect.stringContaining('idp.metadataSigningCertificates') as unknown,
      }),
    ]);
    expect(await outcome(connector, freshResponse(attacker))).toBe('idp_unavailable at saml.metadata');
    expect(await outcome(connector, freshResponse())).toBe('idp_unavailable at saml.metadata');
    await expect(
      connector.authnRequest({ acsUrl: FIXTURE.acsUrl, relayState: 'state-key' }, {}),
    ).rejects.toMatchObject({ code: 'idp_unavailable' });

    server.serve({ body: metadata([idp.certificate]) });
    await connector.refreshMetadata();
    expect(connector.metadataStatus().state).toBe('current');
    expect(await outcome(connector, freshResponse())).toBe('signed in as alice-0001');
  });

  it('reports an unreachable metadata URL at start-up with its cause', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/metadata`;
    const connector = connect({ metadataUrl: closed });
    await connector.ready();
    expect(connector.metadataStatus()).toMatchObject({ source: 'metadataUrl', state: 'missing' });
    expect(logLine('SAML IdP metadata could not be loaded')[0]?.reason).toMatch(/ECONNREFUSED/);
    expect(await outcome(connector, freshResponse())).toBe('idp_unavailable at saml.metadata');
  });

  it('explains a metadata signing certificate that cannot apply, in the configuration', () => {
    const issues = (idpYaml: string): string[] => {
      const result = parseConfig(`connectors:\n  - { id: corp, type: saml, idp: ${idpYaml} }\n`, {
        env: {},
        baseDir: __dirname,
      });
      return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.message}`);
    };
    const pem = JSON.stringify(signer.certificate);
    expect(
      issues(
        `{ entityId: x, ssoUrl: "https://idp.test/sso", certificates: [${pem}], metadataSigningCertificates: [${pem}] }`,
      ),
    ).toContain(
      'connectors[0].idp.metadataSigningCertificates: needs metadataFile or metadataUrl: only metadata carries a signature to check',
    );
    expect(
      issues(`{ metadataUrl: "https://idp.test/metadata", metadataSigningCertificates: [not-a-pem] }`),
    ).toContain(
      'connectors[0].idp.metadataSigningCertificates[0]: must be a PEM certificate (use ${file:/path/cert.pem})',
    );
    expect(
      issues(`{ metadataUrl: "https://idp.test/metadata", metadataSigningCertificates: [${pem}] }`),
    ).toEqual([]);
  });
});
