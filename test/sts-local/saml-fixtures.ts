/**
 * Generates what the SAML tests need, fresh for each run (no committed keys):
 * an IdP key pair and self-signed certificate (openssl), its metadata, and
 * assertions signed with xml-crypto the way IdPs sign them (enveloped
 * signature over the Assertion, exclusive C14N, RSA-SHA256).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SignedXml } from 'xml-crypto';
import { requireBinary } from '../harness/processes';

/** A generated IdP: its private key, certificate (PEM) and entityID. */
export interface TestIdp {
  entityId: string;
  privateKey: string;
  certificate: string;
}

/** Creates an RSA key and a self-signed certificate with openssl in `directory`. */
export async function generateIdp(directory: string, name: string, entityId: string): Promise<TestIdp> {
  const openssl = requireBinary('openssl', 'apt-get install openssl');
  const key = join(directory, `${name}.key`);
  const cert = join(directory, `${name}.crt`);
  await promisify(execFile)(openssl, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { entityId, privateKey: await readFile(key, 'utf8'), certificate: await readFile(cert, 'utf8') };
}

/** Writes IdP metadata (EntityDescriptor with a signing KeyDescriptor) and returns its path. */
export async function writeMetadata(directory: string, idp: TestIdp): Promise<string> {
  const body = idp.certificate.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const path = join(directory, `${idp.entityId.replace(/\W+/g, '_')}-metadata.xml`);
  await writeFile(
    path,
    `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${idp.entityId}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>
      <ds:X509Certificate>${body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`,
  );
  return path;
}

/** What an assertion says; every field has a sensible default. */
export interface AssertionFields {
  issuer?: string;
  subject?: string;
  audience?: string;
  recipient?: string;
  notOnOrAfter?: Date;
  attributes?: Record<string, string[]>;
  id?: string;
  /** The Response's StatusCode; none when absent. */
  status?: string;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An unsigned samlp:Response holding one Assertion. */
export function assertionXml(idp: TestIdp, fields: AssertionFields = {}): string {
  const now = new Date();
  const until = (fields.notOnOrAfter ?? new Date(now.getTime() + 5 * 60 * 1000)).toISOString();
  const attributes = Object.entries(fields.attributes ?? {})
    .map(
      ([name, values]) =>
        `<saml:Attribute Name="${escapeXml(name)}">${values
          .map((value) => `<saml:AttributeValue>${escapeXml(value)}</saml:AttributeValue>`)
          .join('')}</saml:Attribute>`,
    )
    .join('');
  const id = fields.id ?? `_a${Math.random().toString(16).slice(2)}`;
  return `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r${id}" Version="2.0" IssueInstant="${now.toISOString()}"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${escapeXml(fields.issuer ?? idp.entityId)}</saml:Issuer>${fields.status === undefined ? '' : `<samlp:Status><samlp:StatusCode Value="${escapeXml(fields.status)}"/></samlp:Status>`}<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${now.toISOString()}"><saml:Issuer>${escapeXml(fields.issuer ?? idp.entityId)}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${escapeXml(fields.subject ?? 'alice')}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${until}" Recipient="${escapeXml(fields.recipient ?? 'https://signin.aws.amazon.com/saml')}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${new Date(now.getTime() - 60_000).toISOString()}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${escapeXml(fields.audience ?? 'https://signin.aws.amazon.com/saml')}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AttributeStatement>${attributes}</saml:AttributeStatement></saml:Assertion></samlp:Response>`;
}

/** Signs the Assertion inside `xml` (enveloped, exclusive C14N) and returns the signed document. */
export function signAssertion(
  xml: string,
  idp: TestIdp,
  algorithms: { signature?: string; digest?: string } = {},
): string {
  const signer = new SignedXml({
    privateKey: idp.privateKey,
    publicCert: idp.certificate,
    signatureAlgorithm: algorithms.signature ?? 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  signer.addReference({
    xpath: "//*[local-name(.)='Assertion']",
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
    digestAlgorithm: algorithms.digest ?? 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  signer.computeSignature(xml, {
    location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' },
  });
  return signer.getSignedXml();
}

/** Base64, as the SAMLAssertion parameter carries it. */
export function encoded(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}
