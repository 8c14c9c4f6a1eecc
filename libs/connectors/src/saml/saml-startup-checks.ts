import { readFileSync } from 'node:fs';
import type { ConfigIssue } from '@fedgate/config';
import { readIdpMetadata } from './idp-metadata';
import { certificatePem } from './saml-xml';
import type { SamlConnectorConfig } from './saml-connector.config';

/**
 * What a SAML connector would refuse at start-up without the network: an IdP
 * metadata file that cannot be read, is not usable metadata, is past its
 * validUntil, or lacks a signature by `idp.metadataSigningCertificates`.
 * `fedgate config validate` reports these as the broker's start-up does.
 * (A metadata URL is fetched only once the broker runs.)
 */
export function samlStartupIssues(
  connectors: readonly { type: string }[],
  now: number = Date.now(),
): ConfigIssue[] {
  return connectors.flatMap((connector, index) => {
    if (connector.type !== 'saml') {
      return [];
    }
    const { idp } = connector as SamlConnectorConfig;
    if (idp.metadataFile === undefined) {
      return [];
    }
    try {
      const signers = (idp.metadataSigningCertificates ?? []).map(certificatePem);
      readIdpMetadata(readFileSync(idp.metadataFile, 'utf8'), signers, now);
      return [];
    } catch (error) {
      return [
        {
          path: `connectors[${index}].idp.metadataFile`,
          message: error instanceof Error ? error.message : String(error),
        },
      ];
    }
  });
}
