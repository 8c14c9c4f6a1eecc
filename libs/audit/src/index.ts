/**
 * The audit stream (docs/operations.md): events as hash-chained JSON lines to
 * stdout or a file, apart from the application log, and the verifier behind
 * `fedgate audit verify`.
 */
export { CHAIN_START, GENESIS_HASH, chainLine, type ChainPosition } from './audit-chain';
export { fileSink, stdoutSink, type AuditSink } from './audit-sinks';
export { AuditStream, withoutTypedUsername, type AuditFields } from './audit-stream';
export { auditConfigSchema, type AuditConfig } from './audit.config';
export { openAuditStream } from './open-audit-stream';
export { verifyChain, type ChainVerdict } from './verify-chain';
