import { STSClient } from '@aws-sdk/client-sts';
import type { BackendConfig } from '@fedgate/mapping';
import { createRetryStrategy } from '../retry-strategy';

/** Credentials for a client that must never sign: asking for them is a bug, and fails the call. */
function noCredentials(): Promise<never> {
  return Promise.reject(
    new Error('the web identity STS client has no AWS credentials: AssumeRoleWithWebIdentity is unsigned'),
  );
}

/**
 * The SDK client for mode web-identity: the backend's region, endpoint,
 * timeouts and retry budget (as createStsClient), but unsigned whatever the
 * environment holds. The token is the only proof AssumeRoleWithWebIdentity
 * needs, so the broker sends no Authorization header and reads no AWS
 * credentials (not `backend.credentials`, not the default provider chain):
 * the only auth scheme offered is `smithy.api#noAuth`, and the credential
 * provider refuses, so a client that somehow chose to sign would fail
 * rather than sign with someone's keys.
 */
export function createUnsignedStsClient(backend: BackendConfig): STSClient {
  const timeoutMs = backend.timeout * 1000;
  return new STSClient({
    region: backend.region,
    ...(backend.endpoint === undefined ? {} : { endpoint: backend.endpoint }),
    maxAttempts: backend.maxAttempts,
    retryStrategy: createRetryStrategy(backend),
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true },
    httpAuthSchemeProvider: () => [{ schemeId: 'smithy.api#noAuth' }],
    authSchemePreference: ['smithy.api#noAuth'],
    credentials: noCredentials,
  });
}
