import type { Element } from '@xmldom/xmldom';
import { FedgateError } from '@fedgate/core';
import { attributeOf, certificatePem, children, NS, parseSamlXml, textOf } from './saml-xml';
import { verifiedElement } from './signature-check';

const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** What fedgate trusts about an IdP: its entityID, where to send users, and its signing certificates. */
export interface IdpSettings {
  entityId: string;
  /** The SingleSignOnService location for the HTTP-Redirect binding. */
  ssoUrl: string;
  /** PEM; an assertion must verify with one of them. Several while the IdP rotates. */
  certificates: string[];
}

/**
 * Reads IdP metadata (an EntityDescriptor, or an EntitiesDescriptor holding
 * exactly one IdP): entityID, the HTTP-Redirect SingleSignOnService and the
 * certificates of signing KeyDescriptors (use="signing" or no use). Throws
 * an Error with a plain message when the metadata is unusable; never
 * returns settings without a certificate.
 *
 * With `metadataSigners` (idp.metadataSigningCertificates), the root
 * element must carry an enveloped signature by one of them (the same checks
 * as a response's: RSA-SHA256 or stronger, a Reference to the root's own
 * ID), and everything is read from the bytes that signature covers: metadata
 * fetched through a compromised network or host cannot swap the IdP's keys.
 * Metadata past its `validUntil` (on the root or the IdP's EntityDescriptor)
 * is refused: an old signed copy cannot bring back a retired key.
 */
export function readIdpMetadata(
  xml: string,
  metadataSigners: readonly string[] = [],
  now: number = Date.now(),
): IdpSettings {
  let root: Element | null;
  try {
    root = parseSamlXml(xml).documentElement;
  } catch (error) {
    throw new Error(
      `the metadata is not usable XML (${error instanceof Error ? error.message : 'unparsable'})`,
    );
  }
  if (root !== null && metadataSigners.length > 0) {
    root = signedRoot(xml, root, metadataSigners);
  }
  const entity = root === null ? undefined : idpEntity(root);
  const entityId = attributeOf(entity, 'entityID');
  if (root === null || entity === undefined || entityId === undefined) {
    throw new Error('the metadata has no EntityDescriptor with an IDPSSODescriptor and an entityID');
  }
  for (const element of new Set([root, entity])) {
    refuseExpired(attributeOf(element, 'validUntil'), now);
  }
  const descriptor = children(entity, NS.metadata, 'IDPSSODescriptor')[0];
  const ssoUrl = descriptor === undefined ? undefined : redirectSsoUrl(descriptor);
  if (descriptor === undefined || ssoUrl === undefined) {
    throw new Error('the metadata has no SingleSignOnService for the HTTP-Redirect binding');
  }
  const certificates = signingCertificates(descriptor);
  if (certificates.length === 0) {
    throw new Error('the metadata has no IdP signing certificate');
  }
  return { entityId, ssoUrl, certificates };
}

function idpEntity(root: Element): Element | undefined {
  if (root.namespaceURI === NS.metadata && root.localName === 'EntityDescriptor') {
    return root;
  }
  if (root.namespaceURI === NS.metadata && root.localName === 'EntitiesDescriptor') {
    const idps = children(root, NS.metadata, 'EntityDescriptor').filter(
      (entity) => children(entity, NS.metadata, 'IDPSSODescriptor').length > 0,
    );
    return idps.length === 1 ? idps[0] : undefined;
  }
  return undefined;
}

function redirectSsoUrl(descriptor: Element): string | undefined {
  const service = children(descriptor, NS.metadata, 'SingleSignOnService').find(
    (candidate) => candidate.getAttribute('Binding') === REDIRECT_BINDING,
  );
  const location = attributeOf(service, 'Location');
  return location !== undefined && URL.canParse(location) ? location : undefined;
}

function signingCertificates(descriptor: Element): string[] {
  const certificates: string[] = [];
  for (const key of children(descriptor, NS.metadata, 'KeyDescriptor')) {
    const use = attributeOf(key, 'use');
    if (use !== undefined && use !== 'signing') {
      continue;
    }
    for (const certificate of Array.from(key.getElementsByTagNameNS(NS.dsig, 'X509Certificate'))) {
      const body = textOf(certificate);
      if (body !== undefined) {
        certificates.push(certificatePem(body));
      }
    }
  }
  return [...new Set(certificates)];
}

/** The root as its signature covers it; a plain Error saying why the signature was refused. */
function signedRoot(xml: string, root: Element, metadataSigners: readonly string[]): Element {
  try {
    return verifiedElement(xml, root, metadataSigners, 'metadata');
  } catch (error) {
    const reason =
      error instanceof FedgateError ? error.message.replace(/^Sign-in failed: /, '') : String(error);
    throw new Error(`the metadata's signature is refused: ${reason}`);
  }
}

/** SAML metadata 2.2.1: a copy past its validUntil must not be relied on. */
function refuseExpired(validUntil: string | undefined, now: number): void {
  if (validUntil === undefined) {
    return;
  }
  const until = Date.parse(validUntil);
  if (Number.isNaN(until)) {
    throw new Error(`the metadata's validUntil is not a time (${validUntil.slice(0, 40)})`);
  }
  if (until <= now) {
    throw new Error(`the metadata expired at ${new Date(until).toISOString()} (its validUntil)`);
  }
}
