import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { samlRefusal } from './saml-refusal';

/** SAML 2.0, XML Signature and XML Encryption namespaces. */
export const NS = {
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
} as const;

/**
 * Refuses a DOCTYPE or entity declaration anywhere in the text, before any
 * parser sees it (entity expansion, external entities). NUL characters mean
 * UTF-16 or binary bytes read as UTF-8, which could hide a DOCTYPE: refused too.
 */
export function refuseDoctype(xml: string): void {
  if (/<!\s*(DOCTYPE|ENTITY)/i.test(xml) || xml.includes('\u0000')) {
    throw samlRefusal('doctype', 'the response holds a document type declaration, which is never accepted');
  }
}

/**
 * Parses XML strictly after refuseDoctype: every parser warning or error is
 * fatal rather than silently repaired.
 */
export function parseSamlXml(xml: string): Document {
  refuseDoctype(xml);
  let problem: string | undefined;
  let document: Document | undefined;
  try {
    document = new DOMParser({
      onError: (_level, message) => {
        problem ??= message;
      },
    }).parseFromString(xml, 'text/xml');
  } catch (error) {
    problem ??= error instanceof Error ? error.message : 'unparsable';
  }
  if (problem !== undefined || document?.documentElement === null || document === undefined) {
    throw samlRefusal('xml', 'the response is not well-formed XML', {
      parser: (problem ?? 'no root element').slice(0, 200),
    });
  }
  return document;
}

/** Direct element children of `parent` with this namespace and local name. */
export function children(parent: Element, namespace: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE) {
      const element = node as Element;
      if (element.namespaceURI === namespace && element.localName === localName) {
        found.push(element);
      }
    }
  }
  return found;
}

/** Every element child of `parent`, whatever its name. */
export function elementChildren(parent: Element): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE) {
      found.push(node as Element);
    }
  }
  return found;
}

/** The one direct child with this name; undefined when absent; `'many'` when repeated. */
export function onlyChild(
  parent: Element,
  namespace: string,
  localName: string,
): Element | undefined | 'many' {
  const found = children(parent, namespace, localName);
  return found.length > 1 ? 'many' : found[0];
}

/** An element's whole text (every text node, comments left out), trimmed; undefined when empty. */
export function textOf(element: Element | undefined): string | undefined {
  const content = element?.textContent?.trim();
  return content === undefined || content === '' ? undefined : content;
}

/** An attribute's value, or undefined when it is absent or empty. */
export function attributeOf(element: Element | undefined, name: string): string | undefined {
  const value = element?.getAttribute(name);
  return value === null || value === undefined || value === '' ? undefined : value;
}

/** Escapes text for an XML attribute or element. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A certificate as PEM, from PEM or from the base64 body metadata carries. */
export function certificatePem(value: string): string {
  const body = value.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${(body.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The base64 body of a PEM certificate, as metadata carries it. */
export function certificateBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}
