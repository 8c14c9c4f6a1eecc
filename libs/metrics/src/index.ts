/**
 * The broker's Prometheus metrics (docs/operations.md): the registry and its
 * metrics, counting from the audit events the flows record, and measuring
 * STS clients. No identity ever becomes a label.
 */
export { BrokerMetrics } from './broker-metrics';
export { countEvent, countingAuditTrail, type AuditRecorder } from './metrics-audit-trail';
export { measureStsClient } from './sts-client-metrics';
