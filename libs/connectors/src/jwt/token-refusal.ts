import { FedgateError } from '@fedgate/core';
import type { TokenCheck } from '../connector';

export const JWT_PHASE = 'jwt.verify';

/**
 * A refused token: `assertion_invalid` with the failed check in
 * `detail.check`, which token exchange turns into its own error code.
 * `detail` never holds the token or a claim's value, only claim names.
 */
export function tokenRefusal(
  check: TokenCheck,
  message: string,
  detail: Record<string, unknown> = {},
): FedgateError {
  return new FedgateError('assertion_invalid', message, { phase: JWT_PHASE, detail: { check, ...detail } });
}
