import { readFileSync } from 'node:fs';
import { FedgateError } from '@fedgate/core';
import { readIdpMetadata, type IdpSettings } from './idp-metadata';
import { certificatePem } from './saml-xml';
import type { SamlConnectorConfig } from './saml-connector.config';

/** Where the metadata source reports refreshes; the broker's logger fits. */
export interface MetadataLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

const MAX_METADATA_BYTES = 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

/**
 * The IdP settings a connector trusts now. Set by hand, they never change;
 * from a metadata file or URL, they are read at start (a file synchronously,
 * so a bad file stops start-up) and again every `metadataRefresh`. A failed
 * refresh keeps the last good copy and says so in the log; until a URL's
 * first copy arrives, sign-ins fail with `idp_unavailable`.
 */
export class IdpMetadataSource {
  private settings: IdpSettings | undefined;
  private timer: NodeJS.Timeout | undefined;
  private firstLoad: Promise<void> = Promise.resolve();

  constructor(
    private readonly connectorId: string,
    private readonly idp: SamlConnectorConfig['idp'],
    private readonly log: MetadataLog | undefined,
  ) {
    if (idp.metadataFile !== undefined) {
      this.settings = this.readFile(idp.metadataFile);
    } else if (idp.metadataUrl !== undefined) {
      this.firstLoad = this.refresh();
    } else if (idp.entityId !== undefined && idp.ssoUrl !== undefined && idp.certificates !== undefined) {
      this.settings = {
        entityId: idp.entityId,
        ssoUrl: idp.ssoUrl,
        certificates: idp.certificates.map(certificatePem),
      };
      return;
    }
    this.timer = setInterval(() => void this.refresh(), idp.metadataRefresh * 1000);
    this.timer.unref();
  }

  /** Resolves once the first load from a URL has succeeded or failed. */
  ready(): Promise<void> {
    return this.firstLoad;
  }

  /** The settings to verify against now; throws idp_unavailable before any metadata was read. */
  current(): IdpSettings {
    if (this.settings === undefined) {
      throw new FedgateError(
        'idp_unavailable',
        'Sign-in failed: the identity provider’s metadata could not be loaded yet; try again shortly',
        { phase: 'saml.metadata', detail: { connector: this.connectorId } },
      );
    }
    return this.settings;
  }

  /** Reads the metadata again; on failure keeps the last good copy and logs why. */
  async refresh(): Promise<void> {
    const source = this.idp.metadataFile ?? this.idp.metadataUrl;
    if (source === undefined) {
      return;
    }
    try {
      const next =
        this.idp.metadataFile !== undefined
          ? this.readFile(this.idp.metadataFile)
          : readIdpMetadata(await fetchMetadata(source));
      const changed = JSON.stringify(next) !== JSON.stringify(this.settings);
      this.settings = next;
      if (changed) {
        this.log?.info(
          {
            connector: this.connectorId,
            source,
            entityId: next.entityId,
            certificates: next.certificates.length,
          },
          'SAML IdP metadata loaded',
        );
      }
    } catch (error) {
      this.log?.warn(
        {
          connector: this.connectorId,
          source,
          reason: error instanceof Error ? error.message : String(error),
          keeping:
            this.settings === undefined
              ? 'nothing: sign-ins fail until a load succeeds'
              : 'the last good copy',
        },
        'SAML IdP metadata refresh failed',
      );
    }
  }

  close(): void {
    clearInterval(this.timer);
  }

  private readFile(path: string): IdpSettings {
    try {
      return readIdpMetadata(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(
        `connector ${this.connectorId}: idp.metadataFile ${path}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

async function fetchMetadata(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  if (!response.ok) {
    throw new Error(`HTTP ${response.status}`);
  }
  const text = await response.text();
  if (text.length > MAX_METADATA_BYTES) {
    throw new Error('the metadata is larger than 1 MiB');
  }
  return text;
}
