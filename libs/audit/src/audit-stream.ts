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
  // Checked before any copy: every other event (a cache hit's among them) passes as it is.
  if (
    event.event !== 'login' ||
    typeof event.username !== 'string' ||
    !FAILED_LOGIN_OUTCOMES.has(String(event.outcome))
  ) {
    return event;
  }
  const { username, ...rest } = event;
  return { ...rest, usernameSha256: createHash('sha256').update(username).digest('hex').slice(0, 16) };
}

/** What the stream tells its owner about writes that failed (already past). */
export interface AuditStreamHooks {
  onError?: (error: Error) => void;
}

/** One group of lines on its way to the sink, and the promise that settles when it is written. */
interface Batch {
  readonly lines: string[];
  readonly written: Promise<void>;
  settle(error?: Error): void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const written = new Promise<void>((onWritten, onFailed) => {
    resolve = onWritten;
    reject = onFailed;
  });
  // Nobody may be waiting (an event recorded outside a request): a failure is reported through
  // onError, and must not also become an unhandled rejection that ends the process.
  written.catch(() => undefined);
  return {
    lines: [],
    written,
    settle: (error) => {
      if (error === undefined) {
        resolve();
      } else {
        reject(error);
      }
    },
  };
}

/**
 * The audit stream: every event becomes the next line of one hash chain,
 * written to its sink. Separate from the application log, so the log's
 * level, format or loss never touches it.
 *
 * Lines are written in groups (group commit): record() chains the line at
 * once, in order, and the lines recorded while the event loop works through
 * one turn are written together, in one write (and one fsync), in the next.
 * Whoever must not go on before its line is kept waits for whenWritten();
 * the broker holds every answer until then (docs/operations.md#the-audit-stream).
 * A group that cannot be written is dropped whole, the chain goes on from the
 * last line written, and failedWrites counts it.
 */
export class AuditStream {
  /** Where the next line chains from. */
  private position: ChainPosition;
  /** The last line the sink kept: where the chain goes on if a group is lost. */
  private written: ChainPosition;
  private pending: Batch | undefined;
  private failures = 0;

  constructor(
    private readonly sink: AuditSink,
    private readonly now: () => Date = () => new Date(),
    private readonly hooks: AuditStreamHooks = {},
  ) {
    this.position = sink.resumeFrom;
    this.written = sink.resumeFrom;
  }

  record(event: AuditFields): void {
    const { line, position } = chainLine(this.position, this.now(), withoutTypedUsername(event));
    this.position = position;
    if (this.pending === undefined) {
      this.pending = newBatch();
      setImmediate(() => {
        this.flush();
      });
    }
    this.pending.lines.push(line);
  }

  /** Settles once every line recorded so far is written, or rejects if they were lost; undefined when none waits. */
  whenWritten(): Promise<void> | undefined {
    return this.pending?.written;
  }

  /** How many groups of lines could not be written since the stream opened. */
  get failedWrites(): number {
    return this.failures;
  }

  /** Writes the lines recorded so far now; the next turn of the event loop would anyway. */
  flush(): void {
    const batch = this.pending;
    if (batch === undefined) {
      return;
    }
    this.pending = undefined;
    try {
      this.sink.write(batch.lines);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.failures += 1;
      this.position = this.written;
      batch.settle(failure);
      this.hooks.onError?.(failure);
      return;
    }
    this.written = this.position;
    batch.settle();
  }

  close(): void {
    this.flush();
    this.sink.close();
  }
}
