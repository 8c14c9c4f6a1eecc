import { randomBytes, sign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { escapeXml } from './saml-xml';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

/** What goes into one AuthnRequest. */
export interface AuthnRequestFields {
  spEntityId: string;
  acsUrl: string;
  ssoUrl: string;
  nameIdFormat: string | undefined;
  issueInstant: Date;
}

/** A fresh request ID: an NCName (starts with `_`), 160 random bits. */
export function newRequestId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/** The AuthnRequest XML: HTTP-POST back to the ACS, the NameID format when configured. */
export function authnRequestXml(id: string, fields: AuthnRequestFields): string {
  const policy =
    fields.nameIdFormat === undefined
      ? ''
      : `<samlp:NameIDPolicy Format="${escapeXml(fields.nameIdFormat)}" AllowCreate="true"/>`;
  return (
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
    ` ID="${id}" Version="2.0" IssueInstant="${fields.issueInstant.toISOString()}"` +
    ` Destination="${escapeXml(fields.ssoUrl)}" AssertionConsumerServiceURL="${escapeXml(fields.acsUrl)}"` +
    ` ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">` +
    `<saml:Issuer>${escapeXml(fields.spEntityId)}</saml:Issuer>${policy}</samlp:AuthnRequest>`
  );
}

/**
 * The HTTP-Redirect binding (SAML bindings 3.4): the request deflated and
 * base64-encoded in `SAMLRequest`, RelayState, and when a key is given the
 * RSA-SHA256 signature over `SAMLRequest=…&RelayState=…&SigAlg=…`.
 */
export function redirectBindingUrl(
  ssoUrl: string,
  xml: string,
  relayState: string,
  signingKey?: string,
): string {
  let query = `SAMLRequest=${encodeURIComponent(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'))}`;
  query += `&RelayState=${encodeURIComponent(relayState)}`;
  if (signingKey !== undefined) {
    query += `&SigAlg=${encodeURIComponent(RSA_SHA256)}`;
    const signature = sign('sha256', Buffer.from(query, 'utf8'), signingKey).toString('base64');
    query += `&Signature=${encodeURIComponent(signature)}`;
  }
  const url = new URL(ssoUrl);
  return `${url.toString()}${url.search === '' ? '?' : '&'}${query}`;
}
