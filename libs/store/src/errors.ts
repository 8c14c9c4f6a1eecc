import { FedgateError } from '@fedgate/core';

/**
 * Thrown by withLock when the lock stayed taken for the whole wait. A plain
 * Error, not a FedgateError, because what it means depends on the caller
 * (coalesce, retry later, or report busy).
 */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';

  constructor(
    /** The lock that stayed taken; kept out of the message in case a caller builds names from identifiers. */
    readonly lockName: string,
    readonly waitedMs: number,
  ) {
    super(`Timed out after ${waitedMs} ms waiting for a lock`);
  }
}

/**
 * The one error for "the store cannot serve this". The message is the same
 * whatever the reason, because it may reach clients; the reason goes in
 * detail and cause for operators.
 */
export function storeUnavailable(
  operation: string,
  cause?: unknown,
  detail: Record<string, string> = {},
): FedgateError {
  return new FedgateError('store_unavailable', 'The session store is unreachable', {
    cause,
    detail: { operation, ...detail },
  });
}

/** The key holds something increment() cannot count; a bug in whoever wrote it. */
export function notACounter(cause?: unknown): FedgateError {
  return new FedgateError('internal', 'The stored value is not a counter', {
    cause,
    detail: { operation: 'increment' },
  });
}
