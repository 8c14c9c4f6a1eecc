import type { AuditConfig } from './audit.config';
import { fileSink, stdoutSink } from './audit-sinks';
import { AuditStream } from './audit-stream';

/** The configured audit stream; throws, saying why, when its file cannot be opened or continued. */
export function openAuditStream(config: AuditConfig): AuditStream {
  switch (config.output) {
    case 'stdout':
      return new AuditStream(stdoutSink());
    case 'file':
      return new AuditStream(fileSink(config.path, { fsync: config.fsync }));
  }
}
