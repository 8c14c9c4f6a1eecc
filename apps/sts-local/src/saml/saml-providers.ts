import { readFileSync } from 'node:fs';
import type { StsLocalConfig } from '../config/sts-local-config';
import { children, parseXml, SAML_NS, text } from './saml-xml';

/** A configured SAML provider with what its metadata says. */
export interface SamlProvider {
  accountId: string;
  /** `arn:PARTITION:iam::ACCOUNT:saml-provider/NAME`: the PrincipalArn and the trust policy's Federated. */
  arn: string;
  /** The IdP's entityID: assertions must carry it as Issuer. */
  entityId: string;
  /** PEM certificates of the IdP's signing keys. */
  certificates: string[];
}

function pem(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${(body.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * Reads IdP metadata: the EntityDescriptor's entityID and the certificates
 * of its IDPSSODescriptor's signing keys (KeyDescriptor use="signing" or no
 * use). Throws with a plain message when the metadata is unusable.
 */
export function readSamlMetadata(xml: string): { entityId: string; certificates: string[] } {
  const root = parseXml(xml).documentElement;
  if (root?.namespaceURI !== SAML_NS.metadata || root.localName !== 'EntityDescriptor') {
    throw new Error('the metadata is not a SAML EntityDescriptor');
  }
  const entityId = root.getAttribute('entityID');
  if (!entityId) {
    throw new Error('the metadata has no entityID');
  }
  const certificates: string[] = [];
  for (const descriptor of children(root, SAML_NS.metadata, 'IDPSSODescriptor')) {
    for (const key of children(descriptor, SAML_NS.metadata, 'KeyDescriptor')) {
      const use = key.getAttribute('use');
      if (use !== null && use !== '' && use !== 'signing') {
        continue;
      }
      const certs = Array.from(key.getElementsByTagNameNS(SAML_NS.dsig, 'X509Certificate'));
      for (const cert of certs) {
        const value = text(cert);
        if (value !== undefined) {
          certificates.push(pem(value));
        }
      }
    }
  }
  if (certificates.length === 0) {
    throw new Error('the metadata has no IdP signing certificate');
  }
  return { entityId, certificates };
}

/** The SAML providers of every account, read once at start-up. */
export class SamlProviders {
  private readonly byArn = new Map<string, SamlProvider>();

  constructor(config: StsLocalConfig) {
    for (const account of config.accounts) {
      for (const provider of account.samlProviders) {
        const metadata = readSamlMetadata(readFileSync(provider.metadataFile, 'utf8'));
        const arn = `arn:${config.partition}:iam::${account.id}:saml-provider/${provider.name}`;
        this.byArn.set(arn, { accountId: account.id, arn, ...metadata });
      }
    }
  }

  /** The provider a request's PrincipalArn names. */
  find(arn: string): SamlProvider | undefined {
    return this.byArn.get(arn);
  }
}
