import { FedgateError } from '@fedgate/core';

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** Network-level failures: the backend was not reached or did not answer in time. */
const NETWORK_ERROR_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'AbortError']);
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
const NETWORK_CODE_IN_MESSAGE = new RegExp(`\\b(${[...NETWORK_ERROR_CODES].join('|')})\\b`);

/**
 * The socket error code (ECONNREFUSED, …) of a network failure. The SDK's
 * retry middleware re-wraps errors it does not recognise as Error instances
 * (as happens across VM contexts) into "AWS SDK error wrapper for Error:
 * connect ECONNREFUSED …", keeping only the text, so the message is read
 * too; causes are followed a few levels.
 */
function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause, message } = current as SdkErrorShape;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) {
      return code;
    }
    const inMessage = typeof message === 'string' ? NETWORK_CODE_IN_MESSAGE.exec(message) : null;
    if (inMessage) {
      return inMessage[1];
    }
    current = cause;
  }
  return undefined;
}

/**
 * Turns an SDK failure into a FedgateError a person can act on. The AWS
 * message and request id go to `detail` for operators; the client message
 * names the role but never echoes AWS's text (it can contain ARNs of other
 * principals) or anything secret.
 */
export function mapStsError(error: unknown, context: { roleArn: string; backendId: string }): FedgateError {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'UnknownError';
  const detail = {
    backend: context.backendId,
    roleArn: context.roleArn,
    awsError: name,
    awsMessage: typeof shape.message === 'string' ? shape.message : undefined,
    awsRequestId: shape.$metadata?.requestId,
  };
  if (NETWORK_ERROR_NAMES.has(name) || networkErrorCode(error) !== undefined) {
    return new FedgateError('upstream_unavailable', `The STS backend ${context.backendId} did not answer`, {
      cause: error,
      detail,
    });
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException') {
    return new FedgateError(
      'sts_denied',
      `STS refused to let fedgate assume ${context.roleArn}: check that the role exists and that its trust policy ` +
        'allows the broker (sts:AssumeRole, sts:SetSourceIdentity)',
      { cause: error, detail },
    );
  }
  if (shape.$fault === 'client') {
    return new FedgateError('sts_rejected', `STS rejected the request for ${context.roleArn} (${name})`, {
      cause: error,
      detail,
    });
  }
  return new FedgateError('upstream_unavailable', `The STS backend ${context.backendId} failed (${name})`, {
    cause: error,
    detail,
  });
}
