import { STSClient } from '@aws-sdk/client-sts';
import type { BackendConfig } from '@fedgate/config';

/** Builds the SDK client for one configured backend, with its endpoint, timeouts and retry budget. */
export function createStsClient(backend: BackendConfig): STSClient {
  const timeoutMs = backend.timeout * 1000;
  return new STSClient({
    region: backend.region,
    ...(backend.endpoint === undefined ? {} : { endpoint: backend.endpoint }),
    ...(backend.credentials === undefined ? {} : { credentials: backend.credentials }),
    maxAttempts: backend.maxAttempts,
    // A hung backend must not hold a user's request forever.
    requestHandler: { requestTimeout: timeoutMs, connectionTimeout: timeoutMs },
  });
}

const PARTITION_DNS_SUFFIX: Record<BackendConfig['partition'], string> = {
  aws: 'amazonaws.com',
  'aws-cn': 'amazonaws.com.cn',
  'aws-us-gov': 'amazonaws.com',
};

/** The URL the backend's STS calls go to: the configured endpoint, or AWS's regional one. */
export function stsEndpointUrl(backend: BackendConfig): string {
  return backend.endpoint ?? `https://sts.${backend.region}.${PARTITION_DNS_SUFFIX[backend.partition]}`;
}
