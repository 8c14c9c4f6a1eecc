import { createHash } from 'node:crypto';
import { chainLine, type ChainPosition } from './audit-chain';
import type { AuditSink } from './audit-sinks';

/** An audit event: plain JSON fields, never a secret (the flows decide what goes in). */
export type AuditFields = Readonly<Record<string, unknown>>;

const FAILED_LOGIN_OUTCOMES = new Set(['failure', 'refused', 'throttled', 'error']);

/**
 * What a failed login typed can be a password typed into the username field;
 * the stream keeps a short hash of it instead, which still ties repeated
 * attempts on one account together.
 */
export function withoutTypedUsername(event: AuditFields): AuditFields {
  const { username, ...rest } = event;
  if (
    event.event !== 'login' ||
    typeof username !== 'string' ||
    !FAILED_LOGIN_OUTCOMES.has(String(event.outcome))
  ) {
    return event;
  }
  return { ...rest, usernameSha256: createHash('sha256').update(username).digest('hex').slice(0, 16) };
}

/**
 * The audit stream: every event becomes the next line of one hash chain,
 * written to its sink. Separate from the application log, so the log's
 * level, format or loss never touches it. record() is synchronous: an
 * event is written (and with fsync, on disk) before the request goes on.
 */
export class AuditStream {
  private position: ChainPosition;

  constructor(
    private readonly sink: AuditSink,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.position = sink.resumeFrom;
  }

  record(event: AuditFields): void {
    const { line, position } = chainLine(this.position, this.now(), withoutTypedUsername(event));
    this.sink.write(line);
    this.position = position;
  }

  close(): void {
    this.sink.close();
  }
}
