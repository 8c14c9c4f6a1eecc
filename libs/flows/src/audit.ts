import { FedgateError } from '@fedgate/core';
import type { Logger } from '@fedgate/logging';

/**
 * One audit event: who (connector, subject), what, when (the log line's
 * time), from where (clientAddress), and the outcome. Never a secret:
 * no password, token, credential or sign-in URL.
 */
export interface AuditEvent {
  event: string;
  outcome: string;
  connector?: string;
  subject?: string;
  clientAddress?: string | undefined;
  /** Which step failed (`ldap.bind`, `redirect.state`, `sts.assume-role`), for failures. */
  phase?: string;
  [field: string]: unknown;
}

/** Where the flows write audit events. */
export interface AuditTrail {
  record(event: AuditEvent): void;
}

/** Audit events as `audit` lines of the application log (pino), which redacts secret-looking keys. */
export function loggerAuditTrail(logger: Logger): AuditTrail {
  return {
    record(event) {
      logger.info(event, 'audit');
    },
  };
}

/**
 * The error code, failed phase and failed check of anything thrown, for an
 * audit event's outcome: an operator reads which step and which check
 * stopped a sign-in or an issuance. Only these names are taken from the
 * error, never its message or other detail.
 */
export function failureOf(error: unknown): { error: string; phase?: string; check?: string } {
  if (error instanceof FedgateError) {
    const check = error.detail.check;
    return {
      error: error.code,
      ...(error.phase === undefined ? {} : { phase: error.phase }),
      ...(typeof check === 'string' ? { check } : {}),
    };
  }
  return { error: error instanceof Error ? error.name : 'unknown' };
}
