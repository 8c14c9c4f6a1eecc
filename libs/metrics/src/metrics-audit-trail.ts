import type { BrokerMetrics } from './broker-metrics';

/** An audit event as the flows record it; only its names and outcome are read here. */
type AuditEventFields = Readonly<Record<string, unknown>>;

/** Something that records audit events (the flows' AuditTrail). */
export interface AuditRecorder {
  record(event: AuditEventFields): void;
}

/** A label value from an event field: its string, or `unknown`; never more than 64 characters. */
function label(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value.slice(0, 64) : 'unknown';
}

/**
 * Counts every audit event into the metrics, then passes it on. The flows
 * already record each sign-in, issuance, console sign-in, refresh and
 * exchange with its outcome exactly once; counting them here keeps the
 * metrics and the audit stream from ever disagreeing. Only names and
 * outcomes become labels, never who.
 */
export function countingAuditTrail(metrics: BrokerMetrics, next: AuditRecorder): AuditRecorder {
  return {
    record(event) {
      countEvent(metrics, event);
      next.record(event);
    },
  };
}

export function countEvent(metrics: BrokerMetrics, event: AuditEventFields): void {
  const outcome = label(event.outcome);
  switch (event.event) {
    case 'login':
      metrics.logins.inc({ connector: label(event.connector), outcome });
      break;
    case 'issue_credentials':
      metrics.issuance.inc({
        mode: label(event.mode),
        outcome,
        source: outcome === 'success' ? label(event.source) : 'none',
      });
      break;
    case 'console_signin':
      metrics.consoleSignins.inc({ outcome });
      break;
    case 'identity_refresh':
      metrics.identityRefreshes.inc({ connector: label(event.connector), outcome });
      break;
    case 'token_exchange':
      metrics.tokenExchanges.inc({ outcome });
      break;
    case 'oauth_rate_limited':
      metrics.oauthRateLimited.inc({
        front: label(event.front ?? 'oauth'),
        endpoint: label(event.endpoint),
        check: label(event.check),
      });
      break;
    case 'admin_revoke':
      metrics.revocations.inc({ outcome });
      break;
    case 'config_reload':
      metrics.configReloads.inc({ trigger: label(event.trigger), outcome });
      break;
    default:
      break;
  }
}
