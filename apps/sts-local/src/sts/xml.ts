import XmlBuilder from 'fast-xml-builder';
import type { StsError } from './sts-error';

/** The namespace of every STS response (API version 2011-06-15). */
export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** A response element: text, a nested element, or absent (omitted, as AWS omits empty optional elements). */
export type XmlValue = string | number | undefined | XmlElement;
/** A nested element's children, in document order. */
export interface XmlElement {
  [name: string]: XmlValue;
}

const builder = new XmlBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
});

function prune(element: XmlElement): XmlElement {
  const out: XmlElement = {};
  for (const [name, value] of Object.entries(element)) {
    if (value === undefined) {
      continue;
    }
    out[name] = typeof value === 'object' ? prune(value) : value;
  }
  return out;
}

/** `<ActionResponse xmlns=…><ActionResult>…</ActionResult><ResponseMetadata>…` with absent elements left out. */
export function successXml(action: string, result: XmlElement, requestId: string): string {
  return builder.build({
    [`${action}Response`]: {
      '@_xmlns': STS_NAMESPACE,
      [`${action}Result`]: prune(result),
      ResponseMetadata: { RequestId: requestId },
    },
  });
}

/** The ErrorResponse document of docs/sts-local.md. */
export function errorXml(error: StsError, requestId: string): string {
  return builder.build({
    ErrorResponse: {
      '@_xmlns': STS_NAMESPACE,
      Error: { Type: error.status >= 500 ? 'Receiver' : 'Sender', Code: error.code, Message: error.message },
      RequestId: requestId,
    },
  });
}
