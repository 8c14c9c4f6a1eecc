/**
 * The audit stream (docs/operations.md): events as hash-chained JSON lines to
 * stdout, a file or a Redis stream, apart from the application log, and the
 * verifier behind `fedgate audit verify`.
 */
export { CHAIN_START, GENESIS_HASH, chainLine, type ChainPosition } from './audit-chain';
export { fileSink, stdoutSink, type AuditSink } from './audit-sinks';
export { AuditStream, withoutTypedUsername, type AuditFields, type AuditStreamHooks } from './audit-stream';
export { auditConfigSchema, type AuditConfig, type AuditRedisConfig } from './audit.config';
export { openAuditStream, type AuditRecorder } from './open-audit-stream';
export {
  RedisAuditStream,
  readRedisAuditStream,
  type AuditStreamEntry,
  type AuditWriteHooks,
} from './redis-audit-stream';
export { verifyChain, verifyChainLines, type ChainVerdict } from './verify-chain';
