import { SignedXml } from 'xml-crypto';
import { XMLSerializer, type Element } from '@xmldom/xmldom';
import { child, children, parseXml, SAML_NS, text, UnsafeXmlError } from './saml-xml';
import type { SamlProvider } from './saml-providers';

/** Why an assertion was refused: the STS error code and a message safe to send. */
export class SamlRejection extends Error {
  constructor(
    readonly code: 'InvalidIdentityToken' | 'ExpiredTokenException' | 'IDPRejectedClaim',
    message: string,
  ) {
    super(message);
  }
}

/** What a verified assertion says, read only from the signed bytes. */
export interface VerifiedAssertion {
  issuer: string;
  subject: string;
  subjectType: string;
  audience: string;
  notOnOrAfter: number;
  /** Attribute name → values. */
  attributes: Map<string, string[]>;
}

/** RSA with SHA-256 or stronger only (docs/architecture.md#security-rules): SHA-1 signatures and digests are refused. */
const SIGNATURE_ALGORITHMS = [
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
];
const DIGEST_ALGORITHMS = [
  'http://www.w3.org/2001/04/xmlenc#sha256',
  'http://www.w3.org/2001/04/xmlenc#sha512',
];
/** Allowed clock skew on NotBefore / NotOnOrAfter. */
const SKEW_MS = 5 * 60 * 1000;
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

function invalid(message: string): SamlRejection {
  return new SamlRejection('InvalidIdentityToken', message);
}

function time(value: string | null, what: string): number | undefined {
  if (value === null || value === '') {
    return undefined;
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw invalid(`${what} is not a date`);
  }
  return parsed;
}

/** Checks the one Assertion's signature and returns the signed Assertion element (never the unsigned copy). */
function signedAssertion(xml: string, provider: SamlProvider): Element {
  const document = parseXml(xml);
  const root = document.documentElement;
  if (root === null) {
    throw invalid('Invalid SAML response');
  }
  const assertions =
    root.namespaceURI === SAML_NS.assertion && root.localName === 'Assertion'
      ? [root]
      : children(root, SAML_NS.assertion, 'Assertion');
  const assertion = assertions.length === 1 ? assertions[0] : undefined;
  if (
    root.localName !== 'Assertion' &&
    (root.namespaceURI !== SAML_NS.protocol || root.localName !== 'Response')
  ) {
    throw invalid('Invalid SAML response: expected a samlp:Response or a saml:Assertion');
  }
  // A Response whose status is not Success is the IdP saying authentication failed (AWS: IDPRejectedClaim).
  // The status is unsigned, so it can only ever make the answer a refusal.
  const status = child(
    child(root, SAML_NS.protocol, 'Status') ?? root,
    SAML_NS.protocol,
    'StatusCode',
  )?.getAttribute('Value');
  if (root.localName === 'Response' && status !== undefined && status !== null && status !== SUCCESS) {
    throw new SamlRejection('IDPRejectedClaim', 'The identity provider reported that authentication failed');
  }
  if (assertion === undefined) {
    throw invalid('Invalid SAML response: it must hold exactly one (unencrypted) Assertion');
  }
  const signature = child(assertion, SAML_NS.dsig, 'Signature');
  if (signature === undefined) {
    throw invalid('The SAML assertion is not signed');
  }
  const method = signature
    .getElementsByTagNameNS(SAML_NS.dsig, 'SignatureMethod')[0]
    ?.getAttribute('Algorithm');
  const digests = Array.from(signature.getElementsByTagNameNS(SAML_NS.dsig, 'DigestMethod')).map((node) =>
    node.getAttribute('Algorithm'),
  );
  if (
    !SIGNATURE_ALGORITHMS.includes(method ?? '') ||
    !digests.every((digest) => DIGEST_ALGORITHMS.includes(digest ?? ''))
  ) {
    throw invalid('The SAML assertion is signed with an algorithm weaker than RSA-SHA256');
  }
  for (const certificate of provider.certificates) {
    // The certificate comes from the provider's metadata only, never from the message's KeyInfo.
    const verifier = new SignedXml({ publicCert: certificate, getCertFromKeyInfo: () => null });
    verifier.loadSignature(new XMLSerializer().serializeToString(signature));
    let valid = false;
    try {
      valid = verifier.checkSignature(xml);
    } catch {
      valid = false;
    }
    if (!valid) {
      continue;
    }
    const signed = verifier.getSignedReferences();
    const signedRoot = signed.length === 1 ? parseXml(signed[0] ?? '').documentElement : null;
    const assertionId = assertion.getAttribute('ID');
    if (
      signedRoot?.namespaceURI !== SAML_NS.assertion ||
      signedRoot.localName !== 'Assertion' ||
      !assertionId ||
      signedRoot.getAttribute('ID') !== assertionId
    ) {
      throw invalid('The SAML signature does not cover the Assertion');
    }
    return signedRoot;
  }
  throw invalid('The SAML assertion signature could not be verified with the provider certificates');
}

/**
 * Verifies an AssumeRoleWithSAML assertion (base64 of a samlp:Response or
 * a saml:Assertion) against the provider's metadata and reads it from the
 * signed bytes only: RSA-SHA256+ signature by a metadata certificate over
 * the Assertion itself, Issuer = the metadata's entityID, Audience and
 * bearer SubjectConfirmation Recipient = the partition's sign-in SAML
 * endpoint, NotBefore / NotOnOrAfter within 5 minutes of skew. No DOCTYPE.
 */
export function verifySamlAssertion(
  base64: string,
  provider: SamlProvider,
  options: { now: number; audiences: readonly string[] },
): VerifiedAssertion {
  if (!/^[A-Za-z0-9+/=\s]+$/.test(base64)) {
    throw invalid('Invalid SAML response: the assertion must be base64');
  }
  let assertion: Element;
  try {
    assertion = signedAssertion(Buffer.from(base64, 'base64').toString('utf8'), provider);
  } catch (error) {
    if (error instanceof UnsafeXmlError) {
      throw invalid(`Invalid SAML response: ${error.message}`);
    }
    throw error;
  }
  const issuer = text(child(assertion, SAML_NS.assertion, 'Issuer'));
  if (issuer !== provider.entityId) {
    throw invalid('The SAML assertion Issuer does not match the provider metadata');
  }
  const conditions = child(assertion, SAML_NS.assertion, 'Conditions');
  const notBefore = time(conditions?.getAttribute('NotBefore') ?? null, 'NotBefore');
  const notOnOrAfter = time(conditions?.getAttribute('NotOnOrAfter') ?? null, 'NotOnOrAfter');
  if (notOnOrAfter === undefined) {
    throw invalid('The SAML assertion has no NotOnOrAfter condition');
  }
  if (options.now >= notOnOrAfter + SKEW_MS) {
    throw new SamlRejection('ExpiredTokenException', 'The SAML assertion has expired (NotOnOrAfter is past)');
  }
  if (notBefore !== undefined && options.now < notBefore - SKEW_MS) {
    throw invalid('The SAML assertion is not yet valid (NotBefore is in the future)');
  }
  const audiences = (
    conditions === undefined ? [] : children(conditions, SAML_NS.assertion, 'AudienceRestriction')
  ).flatMap((restriction) =>
    children(restriction, SAML_NS.assertion, 'Audience').map((audience) => text(audience) ?? ''),
  );
  const audience = audiences.find((candidate) => options.audiences.includes(candidate));
  if (audience === undefined) {
    throw invalid(`The SAML assertion Audience must be ${options.audiences.join(' or ')}`);
  }
  const subjectElement = child(assertion, SAML_NS.assertion, 'Subject');
  const nameId =
    subjectElement === undefined ? undefined : child(subjectElement, SAML_NS.assertion, 'NameID');
  const subject = text(nameId);
  if (subjectElement === undefined || subject === undefined) {
    throw invalid('The SAML assertion has no Subject NameID');
  }
  const confirmations = children(subjectElement, SAML_NS.assertion, 'SubjectConfirmation');
  const bearerOk = confirmations.some((confirmation) => {
    const data = child(confirmation, SAML_NS.assertion, 'SubjectConfirmationData');
    const until = time(data?.getAttribute('NotOnOrAfter') ?? null, 'SubjectConfirmationData NotOnOrAfter');
    return (
      confirmation.getAttribute('Method') === BEARER &&
      options.audiences.includes(data?.getAttribute('Recipient') ?? '') &&
      until !== undefined &&
      options.now < until + SKEW_MS
    );
  });
  if (!bearerOk) {
    throw invalid('The SAML assertion needs a current bearer SubjectConfirmation for the sign-in endpoint');
  }
  const attributes = new Map<string, string[]>();
  for (const statement of children(assertion, SAML_NS.assertion, 'AttributeStatement')) {
    for (const attribute of children(statement, SAML_NS.assertion, 'Attribute')) {
      const name = attribute.getAttribute('Name') ?? '';
      const values = children(attribute, SAML_NS.assertion, 'AttributeValue').map(
        (value) => text(value) ?? '',
      );
      attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
    }
  }
  return {
    issuer,
    subject,
    subjectType:
      nameId?.getAttribute('Format')?.replace(/^urn:oasis:names:tc:SAML:[\d.]+:nameid-format:/, '') ??
      'unspecified',
    audience,
    notOnOrAfter,
    attributes,
  };
}
