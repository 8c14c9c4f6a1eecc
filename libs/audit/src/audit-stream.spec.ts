import { setImmediate as nextTurn } from 'node:timers/promises';
import { CHAIN_START } from './audit-chain';
import type { AuditSink } from './audit-sinks';
import { AuditStream } from './audit-stream';
import { verifyChain } from './verify-chain';

/** A sink that keeps each group it is given, and fails while `failing` is set. */
function groupSink(): AuditSink & { groups: string[][]; failing: boolean } {
  const sink = {
    resumeFrom: CHAIN_START,
    groups: [] as string[][],
    failing: false,
    write: (lines: readonly string[]) => {
      if (sink.failing) {
        throw new Error('ENOSPC: no space left on device');
      }
      sink.groups.push([...lines]);
    },
    close: () => undefined,
  };
  return sink;
}

const text = (groups: readonly string[][]): string => `${groups.flat().join('\n')}\n`;

describe('the audit stream writes in groups', () => {
  it('writes what one turn of the event loop recorded in one write, in the next turn', async () => {
    const sink = groupSink();
    const stream = new AuditStream(sink);
    stream.record({ event: 'a' });
    stream.record({ event: 'b' });
    const written = stream.whenWritten();
    expect(written).toBeDefined();
    expect(sink.groups).toEqual([]);
    await written;
    expect(sink.groups).toHaveLength(1);
    expect(sink.groups[0]).toHaveLength(2);
    expect(stream.whenWritten()).toBeUndefined();
    stream.record({ event: 'c' });
    await stream.whenWritten();
    expect(sink.groups.map((group) => group.length)).toEqual([2, 1]);
    expect(verifyChain(text(sink.groups))).toMatchObject({ ok: true, lines: 3, last: { seq: 3 } });
  });

  it('rejects the waiters of a lost group, counts it, reports it, and chains on from the last line written', async () => {
    const sink = groupSink();
    const errors: string[] = [];
    const stream = new AuditStream(sink, undefined, { onError: (error) => errors.push(error.message) });
    stream.record({ event: 'kept' });
    await stream.whenWritten();
    sink.failing = true;
    stream.record({ event: 'lost' });
    await expect(stream.whenWritten()).rejects.toThrow('ENOSPC');
    expect(stream.failedWrites).toBe(1);
    expect(errors).toEqual(['ENOSPC: no space left on device']);
    sink.failing = false;
    stream.record({ event: 'after' });
    await stream.whenWritten();
    expect(stream.failedWrites).toBe(1);
    expect(sink.groups.flat().map((line) => (JSON.parse(line) as { event: string }).event)).toEqual([
      'kept',
      'after',
    ]);
    expect(verifyChain(text(sink.groups))).toMatchObject({ ok: true, lines: 2, last: { seq: 2 } });
  });

  it('does not end the process when a group nobody waits for is lost', async () => {
    const sink = groupSink();
    sink.failing = true;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const stream = new AuditStream(sink);
      stream.record({ event: 'outside a request' });
      await nextTurn();
      await nextTurn();
      expect(stream.failedWrites).toBe(1);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('writes what is pending when it closes', () => {
    const sink = groupSink();
    const stream = new AuditStream(sink);
    stream.record({ event: 'last words' });
    stream.close();
    expect(sink.groups).toHaveLength(1);
  });
});
