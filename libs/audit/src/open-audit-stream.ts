import type { AuditConfig } from './audit.config';
import { fileSink, stdoutSink } from './audit-sinks';
import { AuditStream, type AuditFields } from './audit-stream';
import { RedisAuditStream, type AuditWriteHooks } from './redis-audit-stream';

/** An open audit stream, whatever its output. */
export interface AuditRecorder {
  record(event: AuditFields): void;
  /**
   * File and stdout streams write in groups after record() returns: this
   * settles once every line recorded so far is written (undefined when none
   * waits), and failedWrites counts the groups lost. Redis streams report
   * each write through AuditWriteHooks.onWrite instead.
   */
  whenWritten?(): Promise<void> | undefined;
  readonly failedWrites?: number;
  /** Finishes the writes under way and lets go of the file or connection. */
  close(): void | Promise<void>;
}

/**
 * The configured audit stream; rejects, saying why, when its file cannot be
 * opened or continued or its Redis cannot be reached. onError hears of every
 * write that failed; onWrite and now matter to Redis only.
 */
export async function openAuditStream(
  config: AuditConfig,
  hooks: AuditWriteHooks = {},
): Promise<AuditRecorder> {
  switch (config.output) {
    case 'stdout':
      return new AuditStream(stdoutSink(), undefined, hooks);
    case 'file':
      return new AuditStream(fileSink(config.path, { fsync: config.fsync }), undefined, hooks);
    case 'redis':
      return RedisAuditStream.open(config.redis, hooks);
  }
}
