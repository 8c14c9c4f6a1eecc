import type { AuditConfig } from './audit.config';
import { fileSink, stdoutSink } from './audit-sinks';
import { AuditStream, type AuditFields } from './audit-stream';
import { RedisAuditStream, type AuditWriteHooks } from './redis-audit-stream';

/** An open audit stream, whatever its output. */
export interface AuditRecorder {
  record(event: AuditFields): void;
  /** Finishes the writes under way and lets go of the file or connection. */
  close(): void | Promise<void>;
}

/**
 * The configured audit stream; rejects, saying why, when its file cannot be
 * opened or continued or its Redis cannot be reached. The hooks matter to
 * Redis only: file and stdout lines are written before record() returns.
 */
export async function openAuditStream(
  config: AuditConfig,
  hooks: AuditWriteHooks = {},
): Promise<AuditRecorder> {
  switch (config.output) {
    case 'stdout':
      return new AuditStream(stdoutSink());
    case 'file':
      return new AuditStream(fileSink(config.path, { fsync: config.fsync }));
    case 'redis':
      return RedisAuditStream.open(config.redis, hooks);
  }
}
