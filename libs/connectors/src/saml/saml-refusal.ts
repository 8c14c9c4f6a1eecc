import { FedgateError } from '@fedgate/core';

/**
 * The checks a SAML response must pass, each the `phase` (`saml.<check>`) an
 * operator reads in the log and audit line when it fails
 * (docs/connectors/saml.md lists every one with its message; a test keeps
 * that list and this one the same).
 */
export const SAML_CHECKS = [
  'doctype',
  'size',
  'xml',
  'status',
  'signature',
  'algorithm',
  'issuer',
  'destination',
  'recipient',
  'audience',
  'conditions',
  'confirmation',
  'in-response-to',
  'replay',
  'decryption',
  'attributes',
  'metadata',
] as const;

export type SamlCheck = (typeof SAML_CHECKS)[number];

/**
 * A refused SAML response: `assertion_invalid` with the failed check as its
 * phase. The message is for the person at the browser; `detail` is for
 * operators and never holds the response or any part of the assertion's text
 * beyond short identifiers (IDs, issuers, URLs).
 */
export function samlRefusal(
  check: SamlCheck,
  message: string,
  detail: Record<string, unknown> = {},
): FedgateError {
  return new FedgateError('assertion_invalid', `Sign-in failed: ${message}`, {
    phase: `saml.${check}`,
    detail: { check: `saml.${check}`, ...detail },
  });
}
