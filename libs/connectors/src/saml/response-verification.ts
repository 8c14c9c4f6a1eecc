import type { Element } from '@xmldom/xmldom';
import { decryptAssertion } from './assertion-decryption';
import type { IdpSettings } from './idp-metadata';
import { samlRefusal } from './saml-refusal';
import { attributeOf, children, NS, onlyChild, parseSamlXml, refuseDoctype, textOf } from './saml-xml';
import { verifiedElement } from './signature-check';

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const ENTITY_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';

/** What fedgate is at this IdP, and the keys it decrypts with. */
export interface ServiceProvider {
  entityId: string;
  /** PEM private keys, the current one first; empty when encryption is not configured. */
  decryptionKeys: readonly string[];
}

/** The checks' settings (docs/connectors/saml.md). */
export interface VerificationPolicy {
  requireSignedResponse: boolean;
  requireEncryptedAssertion: boolean;
  clockSkewMs: number;
  maxResponseBytes: number;
  allowIdpInitiated: boolean;
}

/** One posted response and what it must answer. */
export interface PostedResponse {
  /** The SAMLResponse form field: base64 of the XML. */
  samlResponse: string;
  acsUrl: string;
  /** The AuthnRequest ID for an SP-initiated sign-in; undefined for IdP-initiated. */
  inResponseTo: string | undefined;
}

/** What a verified assertion says, read only from its signed bytes. */
export interface VerifiedAssertion {
  id: string;
  issuer: string;
  nameId: string;
  nameIdFormat: string | undefined;
  /** Milliseconds since the epoch after which the assertion is refused anyway (skew included). */
  acceptableUntil: number;
  authnInstant: string | undefined;
  authnContextClassRefs: string[];
  /** Attribute Name → values; repeated Attribute elements of one Name are merged. */
  attributes: Map<string, string[]>;
}

/**
 * Verifies a posted SAML response against every rule of the Web Browser SSO
 * profile fedgate enforces itself (docs/connectors/saml.md), in order: size,
 * DOCTYPE (before any parsing), well-formedness, the response's signature
 * (required or, when present, valid), Issuer, Destination, Status,
 * InResponseTo, exactly one assertion (decrypted when encrypted), its
 * signature (always required), and from its signed bytes only: Issuer,
 * bearer SubjectConfirmation with Recipient, InResponseTo and NotOnOrAfter,
 * Conditions with Audience, and the AuthnStatement. Throws
 * FedgateError('assertion_invalid') with the failed check as `saml.<check>`.
 * Single use is not checked here: the connector marks the assertion ID.
 */
export function verifySamlResponse(
  posted: PostedResponse,
  idp: IdpSettings,
  sp: ServiceProvider,
  policy: VerificationPolicy,
  now: number,
): VerifiedAssertion {
  const xml = decodeResponse(posted.samlResponse, policy.maxResponseBytes);
  const root = parseSamlXml(xml).documentElement;
  if (
    root?.namespaceURI !== NS.protocol ||
    root.localName !== 'Response' ||
    root.getAttribute('Version') !== '2.0'
  ) {
    throw samlRefusal('xml', 'the identity provider did not send a SAML 2.0 Response');
  }
  const response =
    policy.requireSignedResponse || children(root, NS.dsig, 'Signature').length > 0
      ? verifiedElement(xml, root, idp.certificates, 'response')
      : root;
  checkResponse(response, posted, idp, policy);
  const signedAssertion = verifiedAssertionElement(xml, root, response, idp, sp, policy);
  return readAssertion(signedAssertion, posted, idp, sp, policy, now);
}

function decodeResponse(samlResponse: string, maxBytes: number): string {
  if (samlResponse.length > Math.ceil((maxBytes * 4) / 3) + 1024) {
    throw samlRefusal('size', 'the response is larger than fedgate accepts', {
      encodedLength: samlResponse.length,
    });
  }
  if (!/^[A-Za-z0-9+/=\r\n ]+$/.test(samlResponse)) {
    throw samlRefusal('xml', 'the response is not base64-encoded');
  }
  const bytes = Buffer.from(samlResponse, 'base64');
  if (bytes.length > maxBytes) {
    throw samlRefusal('size', 'the response is larger than fedgate accepts', { bytes: bytes.length });
  }
  const xml = bytes.toString('utf8');
  refuseDoctype(xml);
  return xml;
}

function checkResponse(
  response: Element,
  posted: PostedResponse,
  idp: IdpSettings,
  policy: VerificationPolicy,
): void {
  const issuer = onlyChild(response, NS.assertion, 'Issuer');
  if (issuer === 'many' || (issuer !== undefined && !isIdpIssuer(issuer, idp))) {
    throw samlRefusal('issuer', 'the response comes from another identity provider than the one configured', {
      expected: idp.entityId,
    });
  }
  const destination = attributeOf(response, 'Destination');
  if (destination !== posted.acsUrl) {
    throw samlRefusal(
      'destination',
      'the response was addressed to another service (its Destination is not this sign-in address)',
      {
        expected: posted.acsUrl,
        received: destination?.slice(0, 300) ?? null,
      },
    );
  }
  const status = onlyChild(response, NS.protocol, 'Status');
  const code =
    status === undefined || status === 'many'
      ? undefined
      : attributeOf(children(status, NS.protocol, 'StatusCode')[0], 'Value');
  if (code !== SUCCESS) {
    throw samlRefusal('status', 'the identity provider did not sign you in', {
      status: code?.slice(0, 200) ?? null,
    });
  }
  checkInResponseTo(attributeOf(response, 'InResponseTo'), posted.inResponseTo, policy, 'response');
}

function checkInResponseTo(
  received: string | undefined,
  expected: string | undefined,
  policy: VerificationPolicy,
  where: 'response' | 'confirmation',
): void {
  if (expected === undefined) {
    if (!policy.allowIdpInitiated) {
      throw samlRefusal(
        'in-response-to',
        'this sign-in was not started at fedgate, and sign-in started at the identity provider is not enabled; start it from fedgate',
        { where },
      );
    }
    if (received !== undefined) {
      // It answers a request whose state this browser no longer presents: not an IdP-initiated sign-in.
      throw samlRefusal(
        'in-response-to',
        'the response answers a sign-in this browser did not start here; start again',
        { where },
      );
    }
    return;
  }
  if (received !== expected) {
    throw samlRefusal(
      'in-response-to',
      'the response does not answer the sign-in this browser started; start again',
      {
        where,
        present: received !== undefined,
      },
    );
  }
}

function verifiedAssertionElement(
  xml: string,
  root: Element,
  response: Element,
  idp: IdpSettings,
  sp: ServiceProvider,
  policy: VerificationPolicy,
): Element {
  const plain = children(root, NS.assertion, 'Assertion');
  const encrypted = children(response, NS.assertion, 'EncryptedAssertion');
  if (plain.length + children(root, NS.assertion, 'EncryptedAssertion').length !== 1) {
    throw samlRefusal('xml', 'the response must hold exactly one assertion', {
      assertions: plain.length,
      encrypted: encrypted.length,
    });
  }
  const assertion = plain[0];
  if (assertion !== undefined) {
    if (policy.requireEncryptedAssertion) {
      throw samlRefusal('decryption', 'the assertion must be encrypted for this sign-in option');
    }
    return verifiedElement(xml, assertion, idp.certificates, 'assertion');
  }
  const encryptedAssertion = encrypted[0];
  if (encryptedAssertion === undefined || sp.decryptionKeys.length === 0) {
    throw samlRefusal('decryption', 'the assertion is encrypted but no decryption key is configured', {
      configured: sp.decryptionKeys.length,
    });
  }
  const decrypted = decryptAssertion(encryptedAssertion, sp.decryptionKeys);
  // A DOCTYPE inside the ciphertext is refused as such, before the decrypted text is parsed.
  refuseDoctype(decrypted);
  let element: Element | null;
  try {
    element = parseSamlXml(decrypted).documentElement;
  } catch {
    element = null;
  }
  if (element?.namespaceURI !== NS.assertion || element.localName !== 'Assertion') {
    throw samlRefusal('decryption', 'the encrypted assertion could not be decrypted with fedgate’s keys');
  }
  return verifiedElement(decrypted, element, idp.certificates, 'assertion');
}

function readAssertion(
  assertion: Element,
  posted: PostedResponse,
  idp: IdpSettings,
  sp: ServiceProvider,
  policy: VerificationPolicy,
  now: number,
): VerifiedAssertion {
  const id = attributeOf(assertion, 'ID');
  if (id === undefined || assertion.getAttribute('Version') !== '2.0') {
    throw samlRefusal('xml', 'the assertion is not a SAML 2.0 assertion');
  }
  const issuer = onlyChild(assertion, NS.assertion, 'Issuer');
  if (issuer === undefined || issuer === 'many' || !isIdpIssuer(issuer, idp)) {
    throw samlRefusal(
      'issuer',
      'the assertion comes from another identity provider than the one configured',
      {
        expected: idp.entityId,
        assertion: id,
      },
    );
  }
  const skew = policy.clockSkewMs;
  const issued = instant(attributeOf(assertion, 'IssueInstant'), 'IssueInstant');
  if (issued === undefined || issued > now + skew) {
    throw samlRefusal('conditions', 'the assertion is dated in the future; check the clocks', {
      assertion: id,
    });
  }
  const subject = requiredChild(assertion, 'Subject', 'attributes', id);
  const nameIdElement = requiredChild(subject, 'NameID', 'attributes', id);
  const nameId = textOf(nameIdElement);
  if (nameId === undefined) {
    throw samlRefusal('attributes', 'the assertion names no user', { assertion: id });
  }
  const confirmedUntil = checkConfirmation(subject, posted, policy, now, id);
  const conditionsUntil = checkConditions(
    requiredChild(assertion, 'Conditions', 'conditions', id),
    sp,
    skew,
    now,
    id,
  );
  const authn = children(assertion, NS.assertion, 'AuthnStatement');
  if (authn.length === 0) {
    throw samlRefusal('attributes', 'the assertion does not say how you signed in', { assertion: id });
  }
  return {
    id,
    issuer: idp.entityId,
    nameId,
    nameIdFormat: attributeOf(nameIdElement, 'Format'),
    acceptableUntil: Math.min(confirmedUntil, conditionsUntil) + skew,
    authnInstant: attributeOf(authn[0], 'AuthnInstant'),
    authnContextClassRefs: authn.flatMap((statement) =>
      Array.from(statement.getElementsByTagNameNS(NS.assertion, 'AuthnContextClassRef'))
        .map((ref) => textOf(ref))
        .filter((ref): ref is string => ref !== undefined),
    ),
    attributes: attributesOf(assertion),
  };
}

/** Exactly one SubjectConfirmation, bearer, for this ACS, unexpired, answering our request (if any). */
function checkConfirmation(
  subject: Element,
  posted: PostedResponse,
  policy: VerificationPolicy,
  now: number,
  id: string,
): number {
  const confirmations = children(subject, NS.assertion, 'SubjectConfirmation');
  const confirmation = confirmations[0];
  if (
    confirmations.length !== 1 ||
    confirmation === undefined ||
    confirmation.getAttribute('Method') !== BEARER
  ) {
    throw samlRefusal('confirmation', 'the assertion is not a bearer assertion for a browser sign-in', {
      assertion: id,
      methods: confirmations.map((one) => (one.getAttribute('Method') ?? '').slice(0, 100)),
    });
  }
  const data = requiredChild(confirmation, 'SubjectConfirmationData', 'confirmation', id);
  const recipient = attributeOf(data, 'Recipient');
  if (recipient !== posted.acsUrl) {
    throw samlRefusal(
      'recipient',
      'the assertion was issued for another service (its Recipient is not this sign-in address)',
      {
        assertion: id,
        expected: posted.acsUrl,
        received: recipient?.slice(0, 300) ?? null,
      },
    );
  }
  const until = instant(attributeOf(data, 'NotOnOrAfter'), 'NotOnOrAfter');
  if (until === undefined) {
    throw samlRefusal('confirmation', 'the assertion has no expiry for its delivery', { assertion: id });
  }
  if (now - policy.clockSkewMs >= until) {
    throw samlRefusal('conditions', 'the assertion has expired; sign in again', {
      assertion: id,
      notOnOrAfter: new Date(until).toISOString(),
    });
  }
  const notBefore = instant(attributeOf(data, 'NotBefore'), 'NotBefore');
  if (notBefore !== undefined && notBefore > now + policy.clockSkewMs) {
    throw samlRefusal('conditions', 'the assertion is not valid yet; check the clocks', { assertion: id });
  }
  checkInResponseTo(attributeOf(data, 'InResponseTo'), posted.inResponseTo, policy, 'confirmation');
  return until;
}

/** NotBefore / NotOnOrAfter with the skew, and every AudienceRestriction naming fedgate. */
function checkConditions(
  conditions: Element,
  sp: ServiceProvider,
  skew: number,
  now: number,
  id: string,
): number {
  const notBefore = instant(attributeOf(conditions, 'NotBefore'), 'NotBefore');
  const notOnOrAfter = instant(attributeOf(conditions, 'NotOnOrAfter'), 'NotOnOrAfter');
  if (notBefore !== undefined && notBefore > now + skew) {
    throw samlRefusal('conditions', 'the assertion is not valid yet; check the clocks', { assertion: id });
  }
  if (notOnOrAfter !== undefined && now - skew >= notOnOrAfter) {
    throw samlRefusal('conditions', 'the assertion has expired; sign in again', {
      assertion: id,
      notOnOrAfter: new Date(notOnOrAfter).toISOString(),
    });
  }
  const restrictions = children(conditions, NS.assertion, 'AudienceRestriction');
  const audiences = restrictions.map((restriction) =>
    children(restriction, NS.assertion, 'Audience').map((audience) => textOf(audience)),
  );
  if (audiences.length === 0 || !audiences.every((list) => list.includes(sp.entityId))) {
    throw samlRefusal(
      'audience',
      'the assertion was issued for another service (its Audience is not fedgate)',
      {
        assertion: id,
        expected: sp.entityId,
      },
    );
  }
  return notOnOrAfter ?? Number.POSITIVE_INFINITY;
}

function attributesOf(assertion: Element): Map<string, string[]> {
  const attributes = new Map<string, string[]>();
  for (const statement of children(assertion, NS.assertion, 'AttributeStatement')) {
    for (const attribute of children(statement, NS.assertion, 'Attribute')) {
      const name = attributeOf(attribute, 'Name');
      if (name === undefined) {
        continue;
      }
      const values = children(attribute, NS.assertion, 'AttributeValue')
        .map((value) => textOf(value))
        .filter((value): value is string => value !== undefined);
      attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
    }
  }
  return attributes;
}

function isIdpIssuer(issuer: Element, idp: IdpSettings): boolean {
  const format = attributeOf(issuer, 'Format');
  return textOf(issuer) === idp.entityId && (format === undefined || format === ENTITY_FORMAT);
}

function requiredChild(
  parent: Element,
  name: string,
  check: 'attributes' | 'conditions' | 'confirmation',
  id: string,
): Element {
  const found = onlyChild(parent, NS.assertion, name);
  if (found === undefined || found === 'many') {
    throw samlRefusal(check, `the assertion must have exactly one ${name}`, { assertion: id });
  }
  return found;
}

function instant(value: string | undefined, what: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const parsed = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(parsed)) {
    throw samlRefusal('conditions', `the assertion's ${what} is not a UTC time`);
  }
  return parsed;
}
