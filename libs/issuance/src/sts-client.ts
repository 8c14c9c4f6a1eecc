import { STSClient } from '@aws-sdk/client-sts';
import type { BackendConfig } from '@fedgate/mapping';
import { FedgateError } from '@fedgate/core';
import { PARTITION_HOSTS } from '@fedgate/aws';
import { createRetryStrategy } from './retry-strategy';

/**
 * Builds the SDK client for one configured backend: its region, endpoint
 * and credentials; every attempt bounded by `timeout` (connecting, and the
 * whole request and response); up to `maxAttempts` attempts with full-jitter
 * backoff on throttling, 5xx and network failures (retry-strategy.ts). A
 * call to a backend that never answers therefore fails after about
 * timeout × maxAttempts plus the backoff waits.
 */
export function createStsClient(backend: BackendConfig): STSClient {
  const timeoutMs = backend.timeout * 1000;
  return new STSClient({
    region: backend.region,
    ...(backend.endpoint === undefined ? {} : { endpoint: backend.endpoint }),
    // A copy: the SDK marks the credentials object it is given (`$source`), and the config's own
    // object must stay as loaded, or a config reload would see a change that is not there.
    ...(backend.credentials === undefined ? {} : { credentials: { ...backend.credentials } }),
    maxAttempts: backend.maxAttempts,
    retryStrategy: createRetryStrategy(backend),
    requestHandler: {
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      // Without it the handler only logs a warning when requestTimeout passes and keeps waiting
      // (up to the SDK's 5-minute socket default): a hung backend would hold the user's request.
      throwOnRequestTimeout: true,
    },
  });
}

/**
 * One signed SDK client per configured backend, built once and shared by
 * every issuer (AssumeRole, GetFederationToken, …), so a backend's retry
 * quota and connection pool are one.
 */
export class StsClients {
  private readonly entries = new Map<string, { backend: BackendConfig; client: STSClient }>();

  constructor(
    backends: readonly BackendConfig[],
    clientFactory: (backend: BackendConfig) => STSClient = createStsClient,
  ) {
    for (const backend of backends) {
      this.entries.set(backend.id, { backend, client: clientFactory(backend) });
    }
  }

  /** The client and configuration of a backend; `internal` when no backend has that id. */
  get(backendId: string): { backend: BackendConfig; client: STSClient } {
    const entry = this.entries.get(backendId);
    if (!entry) {
      throw new FedgateError('internal', 'No STS backend is configured for this account', {
        detail: { backend: backendId },
      });
    }
    return entry;
  }

  /** Releases every client's sockets. */
  close(): void {
    for (const { client } of this.entries.values()) {
      client.destroy();
    }
  }
}

/** The URL the backend's STS calls go to: the configured endpoint, or AWS's regional one. */
export function stsEndpointUrl(backend: BackendConfig): string {
  return (
    backend.endpoint ?? `https://sts.${backend.region}.${PARTITION_HOSTS[backend.partition].stsDnsSuffix}`
  );
}
