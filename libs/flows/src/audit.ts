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

/** The error code and failed phase of anything thrown, for an audit event's outcome. */
export function failureOf(error: unknown): { error: string; phase?: string } {
  if (error instanceof FedgateError) {
    return { error: error.code, ...(error.phase === undefined ? {} : { phase: error.phase }) };
  }
  return { error: error instanceof Error ? error.name : 'unknown' };
}
