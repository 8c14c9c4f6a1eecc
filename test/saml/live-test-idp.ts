/**
 * A live SAML IdP for end-to-end tests, on loopback: `GET /sso` takes an
 * HTTP-Redirect AuthnRequest, and answers with an auto-posting form that
 * carries a response signed by test-idp.ts (xml-crypto) for the user the
 * test chose, to the ACS URL and request ID the AuthnRequest named.
 * `/metadata` serves its metadata. Nothing of fedgate's SP code is used.
 */
import { randomUUID, verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { idpMetadataXml, keyPair, signedResponse, type ResponseFields } from './fixtures/test-idp';

export interface LiveTestIdp {
  url: string;
  entityId: string;
  metadataUrl: string;
  /** The user the next sign-ins authenticate as. */
  user: { nameId: string; attributes: Record<string, string[]>; authnContext?: string };
  /** Requests the IdP answered (metadata, sign-ins, anything else). */
  requests: number;
  /** What the last AuthnRequest said. */
  lastRequest:
    | {
        id: string;
        acsUrl: string;
        relayState: string;
        signed: boolean;
        /** Whether its HTTP-Redirect signature verifies with the SP certificate the IdP was given. */
        signatureValid: boolean | undefined;
      }
    | undefined;
  /** A signed response for an IdP-initiated sign-in at `acsUrl`, and the page that posts it. */
  idpInitiated(acsUrl: string, audience: string): { samlResponse: string };
  stop(): Promise<void>;
}

function escape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

function field(xml: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`).exec(xml)?.[1];
}

/**
 * The HTTP-Redirect binding's signature check (SAML bindings 3.4.4.1), done
 * with node:crypto rather than fedgate's code: RSA-SHA256 over the query's
 * own `SAMLRequest=…&RelayState=…&SigAlg=…` octets, as they were sent.
 */
function redirectSignatureValid(rawQuery: string, spCertificate: string): boolean {
  const parts = new Map(
    rawQuery
      .replace(/^\?/, '')
      .split('&')
      .map((part) => [part.slice(0, part.indexOf('=')), part] as const),
  );
  const signature = parts.get('Signature');
  if (parts.get('SigAlg') !== `SigAlg=${encodeURIComponent(RSA_SHA256)}` || signature === undefined) {
    return false;
  }
  const signed = ['SAMLRequest', 'RelayState', 'SigAlg'].flatMap((name) => parts.get(name) ?? []).join('&');
  return verify(
    'sha256',
    Buffer.from(signed, 'utf8'),
    spCertificate,
    Buffer.from(decodeURIComponent(signature.slice('Signature='.length)), 'base64'),
  );
}

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

/**
 * Starts the IdP; its audience is the SP entityID fedgate publishes
 * (`{publicUrl}/auth/{id}/metadata`). Given the SP's signing certificate, it
 * checks the signature of every signed AuthnRequest (`lastRequest.signatureValid`).
 */
export async function startLiveTestIdp(
  audienceOf: (acsUrl: string) => string,
  options: { spCertificate?: string } = {},
): Promise<LiveTestIdp> {
  const key = keyPair('idp');
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${url}/metadata`;
  const response = (fields: ResponseFields): string =>
    Buffer.from(
      signedResponse(
        { issuer: entityId, responseIssuer: entityId, now: new Date().toISOString(), ...fields },
        key,
      ),
    ).toString('base64');
  const idp: LiveTestIdp = {
    url,
    entityId,
    metadataUrl: `${url}/metadata`,
    user: { nameId: 'carol-0003', attributes: { groups: ['developers'], email: ['carol@corp.test'] } },
    lastRequest: undefined,
    requests: 0,
    idpInitiated(acsUrl, audience) {
      return {
        samlResponse: response({
          assertionId: `_a${randomUUID()}`,
          inResponseTo: undefined,
          destination: acsUrl,
          recipient: acsUrl,
          audience,
          nameIdXml: escape(idp.user.nameId),
          attributes: idp.user.attributes,
          ...(idp.user.authnContext === undefined ? {} : { authnContext: idp.user.authnContext }),
        }),
      };
    },
    stop: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
  server.on('request', (request, reply) => {
    idp.requests += 1;
    const target = new URL(request.url ?? '/', url);
    if (target.pathname === '/metadata') {
      reply
        .setHeader('content-type', 'application/samlmetadata+xml')
        .end(idpMetadataXml([key.certificate], `${url}/sso`, entityId));
      return;
    }
    const encoded = target.searchParams.get('SAMLRequest');
    if (target.pathname !== '/sso' || encoded === null) {
      reply.statusCode = 404;
      reply.end();
      return;
    }
    const xml = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
    const id = field(xml, 'ID') ?? '';
    const acsUrl = field(xml, 'AssertionConsumerServiceURL') ?? '';
    const relayState = target.searchParams.get('RelayState') ?? '';
    const signed = target.searchParams.has('Signature');
    idp.lastRequest = {
      id,
      acsUrl,
      relayState,
      signed,
      signatureValid:
        signed && options.spCertificate !== undefined
          ? redirectSignatureValid(target.search, options.spCertificate)
          : undefined,
    };
    const samlResponse = response({
      assertionId: `_a${randomUUID()}`,
      inResponseTo: id,
      destination: acsUrl,
      recipient: acsUrl,
      audience: audienceOf(acsUrl),
      nameIdXml: escape(idp.user.nameId),
      attributes: idp.user.attributes,
      ...(idp.user.authnContext === undefined ? {} : { authnContext: idp.user.authnContext }),
    });
    reply.setHeader('content-type', 'text/html');
    reply.end(
      `<html><body><form method="post" action="${escape(acsUrl)}">` +
        `<input type="hidden" name="SAMLResponse" value="${samlResponse}">` +
        `<input type="hidden" name="RelayState" value="${escape(relayState)}">` +
        `<button id="continue">Continue</button></form>` +
        `<script>document.forms[0].submit()</script></body></html>`,
    );
  });
  return idp;
}
