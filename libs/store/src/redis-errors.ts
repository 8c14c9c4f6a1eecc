import { FedgateError } from '@fedgate/core';

import { notACounter, storeUnavailable } from './errors';

/**
 * Maps whatever ioredis rejected with onto the store's error contract. Reply
 * errors that mean "this key holds the wrong kind of data" are bugs
 * (FedgateError 'internal'); everything else (refused, reset, timed out,
 * closed, READONLY or LOADING during a failover, out of memory) means the
 * store cannot serve us, and the caller must fail closed. connectionError is
 * the client's latest connection failure, which explains a bare "stream isn't
 * writeable".
 */
export function translateRedisError(
  operation: string,
  error: unknown,
  connectionError?: string,
): FedgateError {
  const cause = redact(error);
  if (cause.name === 'ReplyError') {
    if (/^ERR (value is not an integer|increment or decrement would overflow)/.test(cause.message)) {
      return notACounter(cause);
    }
    if (cause.message.startsWith('WRONGTYPE')) {
      return new FedgateError('internal', 'The stored value has an unexpected type', {
        cause,
        detail: { operation },
      });
    }
  }
  return storeUnavailable(operation, cause, connectionError === undefined ? {} : { connectionError });
}

/**
 * A copy of the error without the command ioredis attaches to it: that
 * object holds the arguments, i.e. keys and values (session data, tokens),
 * and causes end up in logs.
 */
export function redact(error: unknown): Error {
  if (!(error instanceof Error)) {
    return new Error(typeof error === 'string' ? error : 'non-Error rejection');
  }
  const copy = new Error(error.message);
  copy.name = error.name;
  if (error.stack !== undefined) {
    copy.stack = error.stack;
  }
  const code: unknown = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    Object.assign(copy, { code });
  }
  return copy;
}
