import { SignedXml } from 'xml-crypto';
import type { Element } from '@xmldom/xmldom';
import { samlRefusal } from './saml-refusal';
import { attributeOf, children, NS, onlyChild, parseSamlXml } from './saml-xml';

/** RSA with SHA-256 or stronger only: RSA-SHA1 and SHA-1 digests are refused. */
const SIGNATURE_ALGORITHMS = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
const DIGEST_ALGORITHMS = new Set([
  'http://www.w3.org/2001/04/xmlenc#sha256',
  'http://www.w3.org/2001/04/xmlenc#sha512',
]);
const CANONICALIZATIONS = new Set([
  'http://www.w3.org/2001/10/xml-exc-c14n#',
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
]);
const TRANSFORMS = new Set(['http://www.w3.org/2000/09/xmldsig#enveloped-signature', ...CANONICALIZATIONS]);

/** What a signature covers; metadata is checked with the metadata signing certificates. */
export type SignedThing = 'response' | 'assertion' | 'metadata';

const KEY_OWNERS: Record<SignedThing, string> = {
  response: "the identity provider's certificates",
  assertion: "the identity provider's certificates",
  metadata: 'the metadata signing certificates (idp.metadataSigningCertificates)',
};

/**
 * Verifies the enveloped signature of `element` (a Response or an Assertion
 * in `documentXml`, or IdP metadata's root element) with the given
 * certificates only (the IdP's, or the metadata signer's), never a key the
 * message carries, and returns the element re-read from the exact bytes the
 * signature covers: everything fedgate then reads comes from signed content,
 * so wrapped copies, injected siblings and comments inside values change
 * nothing. The Signature must be the element's own child with one Reference
 * to the element's ID; its algorithms must be RSA-SHA256 or stronger.
 */
export function verifiedElement(
  documentXml: string,
  element: Element,
  certificates: readonly string[],
  what: SignedThing,
): Element {
  const id = attributeOf(element, 'ID');
  const signature = onlyChild(element, NS.dsig, 'Signature');
  if (signature === undefined) {
    throw samlRefusal('signature', `the identity provider's ${what} is not signed`, { element: what });
  }
  if (signature === 'many' || id === undefined) {
    throw samlRefusal('signature', `the ${what}'s signature is not one the standard allows`, {
      element: what,
    });
  }
  checkAlgorithms(signature, id, what);
  for (const certificate of certificates) {
    const verifier = new SignedXml({ publicCert: certificate, getCertFromKeyInfo: () => null });
    let valid = false;
    try {
      verifier.loadSignature(signature);
      valid = verifier.checkSignature(documentXml);
    } catch {
      valid = false;
    }
    if (valid) {
      return signedCopy(verifier.getSignedReferences(), element, id, what);
    }
  }
  throw samlRefusal('signature', `the ${what}'s signature does not verify with ${KEY_OWNERS[what]}`, {
    element: what,
    certificates: certificates.length,
  });
}

function checkAlgorithms(signature: Element, id: string, what: string): void {
  const signedInfo = onlyChild(signature, NS.dsig, 'SignedInfo');
  if (signedInfo === undefined || signedInfo === 'many') {
    throw samlRefusal('signature', `the ${what}'s signature has no SignedInfo`, { element: what });
  }
  const algorithm = (name: string) => attributeOf(children(signedInfo, NS.dsig, name)[0], 'Algorithm') ?? '';
  const method = algorithm('SignatureMethod');
  if (!SIGNATURE_ALGORITHMS.has(method)) {
    throw samlRefusal('algorithm', `the ${what} is signed with an algorithm weaker than RSA-SHA256`, {
      element: what,
      algorithm: method.slice(0, 100),
    });
  }
  if (!CANONICALIZATIONS.has(algorithm('CanonicalizationMethod'))) {
    throw samlRefusal('algorithm', `the ${what}'s signature uses an unsupported canonicalization`, {
      element: what,
    });
  }
  const references = children(signedInfo, NS.dsig, 'Reference');
  const reference = references[0];
  if (references.length !== 1 || reference === undefined || reference.getAttribute('URI') !== `#${id}`) {
    throw samlRefusal('signature', `the ${what}'s signature does not cover the ${what} itself`, {
      element: what,
      references: references.length,
    });
  }
  const digest = attributeOf(children(reference, NS.dsig, 'DigestMethod')[0], 'Algorithm') ?? '';
  if (!DIGEST_ALGORITHMS.has(digest)) {
    throw samlRefusal('algorithm', `the ${what}'s signature uses a digest weaker than SHA-256`, {
      element: what,
      algorithm: digest.slice(0, 100),
    });
  }
  const transforms = children(reference, NS.dsig, 'Transforms')[0];
  const listed = transforms === undefined ? [] : children(transforms, NS.dsig, 'Transform');
  if (listed.some((transform) => !TRANSFORMS.has(attributeOf(transform, 'Algorithm') ?? ''))) {
    throw samlRefusal('algorithm', `the ${what}'s signature uses a transform that is not allowed`, {
      element: what,
    });
  }
}

/** The one signed reference, parsed: the same kind of element with the same ID as the one checked. */
function signedCopy(references: string[], element: Element, id: string, what: string): Element {
  const only = references.length === 1 ? references[0] : undefined;
  const copy = only === undefined ? null : parseSamlXml(only).documentElement;
  if (
    copy === null ||
    copy.namespaceURI !== element.namespaceURI ||
    copy.localName !== element.localName ||
    copy.getAttribute('ID') !== id
  ) {
    throw samlRefusal('signature', `the ${what}'s signature covers something else than the ${what}`, {
      element: what,
    });
  }
  return copy;
}
