import { certificateBody, escapeXml } from './saml-xml';

/** What fedgate publishes about itself as a Service Provider. */
export interface SpMetadataFields {
  entityId: string;
  acsUrl: string;
  nameIdFormats: readonly string[];
  signingCertificate: string | undefined;
  encryptionCertificate: string | undefined;
  authnRequestsSigned: boolean;
}

function keyDescriptor(use: 'signing' | 'encryption', certificate: string | undefined): string {
  if (certificate === undefined) {
    return '';
  }
  const methods =
    use === 'encryption'
      ? '<md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>' +
        '<md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes128-gcm"/>' +
        '<md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/>' +
        '<md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>'
      : '';
  return (
    `<md:KeyDescriptor use="${use}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBody(certificate)}` +
    `</ds:X509Certificate></ds:X509Data></ds:KeyInfo>${methods}</md:KeyDescriptor>`
  );
}

/**
 * SP metadata (SAML metadata 2.4.4): entityID, the HTTP-POST Assertion
 * Consumer Service, NameID formats, and the signing and encryption
 * certificates (never a private key). Assertions must be signed
 * (WantAssertionsSigned), whatever the IdP reads here.
 */
export function spMetadataXml(fields: SpMetadataFields): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${escapeXml(fields.entityId)}">` +
    `<md:SPSSODescriptor AuthnRequestsSigned="${String(fields.authnRequestsSigned)}" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
    keyDescriptor('signing', fields.signingCertificate) +
    keyDescriptor('encryption', fields.encryptionCertificate) +
    fields.nameIdFormats.map((format) => `<md:NameIDFormat>${escapeXml(format)}</md:NameIDFormat>`).join('') +
    `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${escapeXml(fields.acsUrl)}" index="0" isDefault="true"/>` +
    `</md:SPSSODescriptor></md:EntityDescriptor>\n`
  );
}
