import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { BackendConfig } from '@fedgate/mapping';

/** What the backoff of one backend is made of (`backends[]` keys). */
export type RetrySettings = Pick<BackendConfig, 'maxAttempts' | 'retryBaseDelayMs' | 'retryMaxDelayMs'>;

/**
 * Full-jitter backoff: the wait before retry `retry` (1 for the first retry)
 * is a random time in [0, min(maxDelay, base × 2^(retry − 1))] milliseconds.
 * Spreading retries over the whole window is what keeps many callers that
 * were throttled together from coming back together.
 */
export function fullJitterDelay(
  retry: number,
  settings: Pick<RetrySettings, 'retryBaseDelayMs' | 'retryMaxDelayMs'>,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, retry - 1);
  const ceiling = Math.min(settings.retryMaxDelayMs, settings.retryBaseDelayMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * The SDK's own retry strategy (the one `STSClient` runs in its retry
 * middleware) with the backend's attempt budget and full-jitter delays.
 * It retries what the SDK classifies as throttling (`Throttling`, HTTP 429, …)
 * or transient (HTTP 500/502/503/504, timeouts, ECONNRESET/ECONNREFUSED/EPIPE/
 * ETIMEDOUT and DNS failures), never a client error such as AccessDenied.
 * A `Retry-After` from the server lengthens a wait (by at most 5 s).
 *
 * The SDK's retry quota stays on: each client starts with 500 tokens, a
 * throttling retry costs 5 and any other retry 14, and successes give them
 * back. During a long outage the client therefore stops retrying instead of
 * tripling the load on a failing STS; an error's `$metadata.attempts` (kept
 * in FedgateError detail as `attempts`) shows when that happened.
 */
export function createRetryStrategy(
  settings: RetrySettings,
  random: () => number = Math.random,
): ConfiguredRetryStrategy {
  return new ConfiguredRetryStrategy(settings.maxAttempts, (retry) =>
    fullJitterDelay(retry, settings, random),
  );
}

/** The response headers of an SDK error (`$response`), when it has any. */
function responseHeaders(response: unknown): Record<string, unknown> {
  const headers = (response as { headers?: unknown } | undefined)?.headers;
  return typeof headers === 'object' && headers !== null ? (headers as Record<string, unknown>) : {};
}

/** A server's wait hint in milliseconds: `Retry-After` in seconds, or `x-amz-retry-after` in milliseconds. */
function serverWaitMs(response: unknown): number | undefined {
  for (const [name, value] of Object.entries(responseHeaders(response))) {
    const header = name.toLowerCase();
    if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value.trim())) {
      continue;
    }
    if (header === 'retry-after') {
      return Number(value) * 1000;
    }
    if (header === 'x-amz-retry-after') {
      return Number(value);
    }
  }
  return undefined;
}

/**
 * How long a client should wait before asking again after STS kept
 * throttling: the server's own numeric `Retry-After` (or `x-amz-retry-after`)
 * when the last answer had one, otherwise the longest backoff this backend
 * waits between attempts; whole seconds, at least one (HTTP's `Retry-After`).
 */
export function retryAfterSeconds(
  settings: Pick<RetrySettings, 'retryMaxDelayMs'>,
  response?: unknown,
): number {
  const waitMs = serverWaitMs(response) ?? settings.retryMaxDelayMs;
  return Math.max(1, Math.ceil(waitMs / 1000));
}
