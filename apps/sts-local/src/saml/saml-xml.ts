import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

/** SAML 2.0 namespaces. */
export const SAML_NS = {
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

/** XML that cannot be used: malformed, or with a DOCTYPE (entity expansion, external entities). */
export class UnsafeXmlError extends Error {}

/**
 * Parses XML strictly: any DOCTYPE is refused before parsing (docs/architecture.md#security-rules), and
 * every parser warning or error is fatal rather than silently repaired.
 */
export function parseXml(text: string): Document {
  if (/<!DOCTYPE/i.test(text)) {
    throw new UnsafeXmlError('XML with a DOCTYPE is not accepted');
  }
  const fail = (message: string) => {
    throw new UnsafeXmlError(`malformed XML: ${message}`);
  };
  try {
    return new DOMParser({ onError: (_level, message) => fail(message) }).parseFromString(text, 'text/xml');
  } catch (error) {
    if (error instanceof UnsafeXmlError) {
      throw error;
    }
    throw new UnsafeXmlError('malformed XML');
  }
}

/** Direct children of `parent` with this namespace and local name. */
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

/** The one direct child with this name, or undefined when there is none or more than one. */
export function child(parent: Element, namespace: string, localName: string): Element | undefined {
  const found = children(parent, namespace, localName);
  return found.length === 1 ? found[0] : undefined;
}

/** An element's text content, trimmed. */
export function text(element: Element | undefined): string | undefined {
  const content = element?.textContent?.trim();
  return content === '' ? undefined : content;
}
