/**
 * The SAML connector contract (libs/connectors/src/saml/saml-connector.contract.ts)
 * against the real connector, its replay cache in Redis, and IdPs that are
 * not fedgate's SP code: the live test IdP (metadata by URL, signed
 * AuthnRequests), and the fixture generator's IdP answering from signed
 * metadata on disk with encrypted assertions in signed responses.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { samlConnectorConfigSchema, SamlSpConnector, type AuthnRequestOutput } from '@fedgate/connectors';
import { describeSamlConnectorContract } from '../../libs/connectors/src/saml/saml-connector.contract';
import { createStore, type Store } from '@fedgate/store';
import { freePort } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import {
  assertionXml,
  encryptAssertion,
  FIXTURE,
  idpMetadataXml,
  keyPair,
  responseXml,
  signElement,
  signMetadata,
} from './fixtures/test-idp';
import { startLiveTestIdp, type LiveTestIdp } from './live-test-idp';

const PUBLIC_URL = 'https://fedgate.contract.test';

let redis: RedisServer;
let store: Store;
let storeDown: Store;
let idp: LiveTestIdp;
let closedUrl: string;
let metadataFile: string;
const connectors: SamlSpConnector[] = [];

function connector(config: Record<string, unknown>, on: Store = store): SamlSpConnector {
  const built = new SamlSpConnector(samlConnectorConfigSchema.parse({ type: 'saml', ...config }), {
    store: on,
    publicUrl: PUBLIC_URL,
  });
  connectors.push(built);
  return built;
}

/** The request's ID and ACS URL, as an IdP reads them from the HTTP-Redirect binding. */
function readRequest(request: AuthnRequestOutput): { id: string; acsUrl: string } {
  if (request.redirect.kind !== 'url') {
    throw new Error('the test IdP takes the HTTP-Redirect binding');
  }
  const encoded = new URL(request.redirect.url).searchParams.get('SAMLRequest') ?? '';
  const xml = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
  const field = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(xml)?.[1] ?? '';
  return { id: field('ID'), acsUrl: field('AssertionConsumerServiceURL') };
}

beforeAll(async () => {
  redis = await startRedis();
  store = await createStore({ type: 'redis', url: redis.url, keyPrefix: 'saml-contract:' });
  storeDown = await createStore({ type: 'redis', url: redis.url, keyPrefix: 'saml-contract-down:' });
  await storeDown.close();
  idp = await startLiveTestIdp((acsUrl) => acsUrl.replace(/\/callback$/, '/metadata'), {
    spCertificate: keyPair('sp-signing').certificate,
  });
  closedUrl = `http://127.0.0.1:${await freePort()}/metadata`;
  metadataFile = join(mkdtempSync(join(tmpdir(), 'saml-contract-')), 'idp.xml');
  writeFileSync(
    metadataFile,
    signMetadata(idpMetadataXml([keyPair('idp').certificate]), keyPair('idp-metadata-signing')),
  );
});

afterAll(async () => {
  await Promise.all(connectors.map((built) => built.close()));
  await idp.stop();
  await store.close();
  await redis.stop();
});

describe('SAML connector contract runs', () => {
  const live = {
    id: 'live',
    sp: {
      signingKey: keyPair('sp-signing').privateKey,
      signingCertificate: keyPair('sp-signing').certificate,
      signAuthnRequests: true,
    },
    attributes: { email: 'email', groups: ['groups'] },
  };
  let liveConnector: SamlSpConnector;
  let liveStoreDown: SamlSpConnector;

  // Built once the live IdP listens, and used once its metadata is in.
  beforeAll(async () => {
    liveConnector = connector({ ...live, idp: { metadataUrl: idp.metadataUrl } });
    liveStoreDown = connector({ ...live, idp: { metadataUrl: idp.metadataUrl } }, storeDown);
    await Promise.all([liveConnector.ready(), liveStoreDown.ready()]);
  });

  describeSamlConnectorContract('metadata from the live test IdP’s URL, signed AuthnRequests', () => ({
    connector: liveConnector,
    acsUrl: `${PUBLIC_URL}/auth/live/callback`,
    subject: idp.user.nameId,
    respond: async (request) => {
      const page = await (await fetch(request.redirect.kind === 'url' ? request.redirect.url : '')).text();
      const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(page)?.[1];
      if (samlResponse === undefined || idp.lastRequest?.signatureValid !== true) {
        throw new Error('the test IdP did not answer an AuthnRequest signed with the SP key');
      }
      return samlResponse;
    },
    unsolicited: () =>
      Promise.resolve(
        idp.idpInitiated(`${PUBLIC_URL}/auth/live/callback`, `${PUBLIC_URL}/auth/live/metadata`).samlResponse,
      ),
    storeDown: liveStoreDown,
    unreachable: connector({ ...live, idp: { metadataUrl: closedUrl } }),
  }));

  const sealed = {
    id: 'sealed',
    sp: {
      entityId: FIXTURE.spEntityId,
      encryptionKey: keyPair('sp-encryption').privateKey,
      encryptionCertificate: keyPair('sp-encryption').certificate,
    },
    security: { requireEncryptedAssertion: true, requireSignedResponse: true },
    attributes: { email: 'email', displayName: 'displayName', groups: ['groups'] },
  };
  const sealedAcs = `${PUBLIC_URL}/auth/sealed/callback`;
  /** The generator's IdP: an encrypted, signed assertion in a signed response, for this request (or none). */
  const sealedResponse = async (inResponseTo: string | undefined, acsUrl = sealedAcs): Promise<string> => {
    const fields = {
      now: new Date().toISOString(),
      assertionId: `_a${randomUUID()}`,
      inResponseTo,
      destination: acsUrl,
      recipient: acsUrl,
    };
    const assertion = signElement(assertionXml(fields), 'Assertion', keyPair('idp'));
    const encrypted = await encryptAssertion(assertion, keyPair('sp-encryption').certificate);
    const response = signElement(responseXml(encrypted, fields), 'Response', keyPair('idp'));
    return Buffer.from(response, 'utf8').toString('base64');
  };
  const trustedMetadata = () => ({
    metadataFile,
    metadataSigningCertificates: [keyPair('idp-metadata-signing').certificate],
  });

  describeSamlConnectorContract(
    'signed metadata on disk, encrypted assertions in signed responses required',
    () => ({
      connector: connector({ ...sealed, idp: trustedMetadata() }),
      acsUrl: sealedAcs,
      subject: 'alice-0001',
      respond: (request) => {
        const { id, acsUrl } = readRequest(request);
        return sealedResponse(id, acsUrl);
      },
      unsolicited: () => sealedResponse(undefined),
      storeDown: connector({ ...sealed, idp: trustedMetadata() }, storeDown),
      unreachable: connector({ ...sealed, idp: { metadataUrl: closedUrl } }),
    }),
  );
});
