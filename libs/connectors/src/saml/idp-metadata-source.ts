import { readFileSync } from 'node:fs';
import { FedgateError } from '@fedgate/core';
import { readIdpMetadata, type IdpSettings } from './idp-metadata';
import { certificatePem } from './saml-xml';
import type { SamlConnectorConfig } from './saml-connector.config';

/** Where the metadata source reports loads and failed refreshes; the broker's logger fits. */
export interface MetadataLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * How fresh the IdP settings a connector verifies with are, for operators
 * (and health checks): `current` when the last load succeeded, `stale` when
 * the last refresh failed and the last good copy is in use, `missing` when
 * no copy was ever loaded (every sign-in fails with `idp_unavailable`).
 */
export interface IdpMetadataStatus {
  source: 'metadataFile' | 'metadataUrl' | 'configured';
  state: 'current' | 'stale' | 'missing';
  /** When the copy in use was loaded (ISO 8601); absent while missing. */
  loadedAt?: string;
  /** Failed loads since the last good one. */
  consecutiveFailures: number;
  /** The latest failed load: when, and why (never the document itself). */
  lastFailure?: { at: string; reason: string };
}

const MAX_METADATA_BYTES = 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

/**
 * The IdP settings a connector trusts now. Set by hand, they never change;
 * from a metadata file or URL, they are read at start (a file synchronously,
 * so a bad file stops start-up) and again every `metadataRefresh`. With
 * `metadataSigningCertificates`, only metadata signed by one of them is
 * read. A failed refresh keeps the last good copy, logs a warning with the
 * reason and shows in `status()`; until a URL's first copy arrives, the
 * failure is logged as an error and sign-ins fail with `idp_unavailable`.
 */
export class IdpMetadataSource {
  private settings: IdpSettings | undefined;
  private timer: NodeJS.Timeout | undefined;
  private firstLoad: Promise<void> = Promise.resolve();
  private inFlight: Promise<void> | undefined;
  private loadedAt: Date | undefined;
  private consecutiveFailures = 0;
  private lastFailure: { at: Date; reason: string } | undefined;
  private readonly signingCertificates: string[];

  constructor(
    private readonly connectorId: string,
    private readonly idp: SamlConnectorConfig['idp'],
    private readonly log: MetadataLog | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.signingCertificates = (idp.metadataSigningCertificates ?? []).map(certificatePem);
    if (idp.metadataFile !== undefined) {
      this.settings = this.readFile(idp.metadataFile);
      this.loadedAt = now();
    } else if (idp.metadataUrl !== undefined) {
      this.firstLoad = this.refresh();
    } else if (idp.entityId !== undefined && idp.ssoUrl !== undefined && idp.certificates !== undefined) {
      this.settings = {
        entityId: idp.entityId,
        ssoUrl: idp.ssoUrl,
        certificates: idp.certificates.map(certificatePem),
      };
      this.loadedAt = now();
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
        {
          phase: 'saml.metadata',
          detail: {
            connector: this.connectorId,
            ...(this.lastFailure === undefined ? {} : { reason: this.lastFailure.reason }),
          },
        },
      );
    }
    return this.settings;
  }

  status(): IdpMetadataStatus {
    const source =
      this.idp.metadataFile !== undefined
        ? 'metadataFile'
        : this.idp.metadataUrl !== undefined
          ? 'metadataUrl'
          : 'configured';
    return {
      source,
      state: this.settings === undefined ? 'missing' : this.consecutiveFailures > 0 ? 'stale' : 'current',
      ...(this.loadedAt === undefined ? {} : { loadedAt: this.loadedAt.toISOString() }),
      consecutiveFailures: this.consecutiveFailures,
      ...(this.lastFailure === undefined
        ? {}
        : { lastFailure: { at: this.lastFailure.at.toISOString(), reason: this.lastFailure.reason } }),
    };
  }

  /** Reads the metadata again; on failure keeps the last good copy and logs why. One load at a time. */
  refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async load(): Promise<void> {
    const source = this.idp.metadataFile ?? this.idp.metadataUrl;
    if (source === undefined) {
      return;
    }
    try {
      const next =
        this.idp.metadataFile !== undefined
          ? this.readFile(this.idp.metadataFile)
          : readIdpMetadata(await fetchMetadata(source), this.signingCertificates, this.now().getTime());
      const changed = JSON.stringify(next) !== JSON.stringify(this.settings);
      const recovered = this.consecutiveFailures > 0;
      this.settings = next;
      this.loadedAt = this.now();
      this.consecutiveFailures = 0;
      if (changed || recovered) {
        this.log?.info(
          {
            connector: this.connectorId,
            source,
            entityId: next.entityId,
            certificates: next.certificates.length,
            signatureChecked: this.signingCertificates.length > 0,
          },
          'SAML IdP metadata loaded',
        );
      }
    } catch (error) {
      const reason = reasonOf(error).slice(0, 500);
      this.consecutiveFailures += 1;
      this.lastFailure = { at: this.now(), reason };
      const fields = {
        connector: this.connectorId,
        source,
        reason,
        consecutiveFailures: this.consecutiveFailures,
      };
      if (this.settings === undefined) {
        this.log?.error(
          { ...fields, keeping: 'nothing: sign-ins fail until a load succeeds' },
          'SAML IdP metadata could not be loaded',
        );
      } else {
        this.log?.warn(
          {
            ...fields,
            keeping: 'the last good copy',
            lastGoodCopyLoadedAt: this.loadedAt?.toISOString(),
          },
          'SAML IdP metadata refresh failed',
        );
      }
    }
  }

  private readFile(path: string): IdpSettings {
    try {
      return readIdpMetadata(readFileSync(path, 'utf8'), this.signingCertificates, this.now().getTime());
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

/**
 * A failure in words. Duck-typed: fetch's errors may come from another realm
 * (a test runner's), and its own message ("fetch failed") says little
 * without its cause's code (ECONNREFUSED, ENOTFOUND…).
 */
function reasonOf(error: unknown): string {
  const { message, cause } = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    cause?: { code?: unknown; message?: unknown };
  };
  if (typeof message !== 'string') {
    return String(error);
  }
  const detail =
    typeof cause?.code === 'string'
      ? cause.code
      : typeof cause?.message === 'string'
        ? cause.message
        : undefined;
  return detail === undefined ? message : `${message} (${detail})`;
}
