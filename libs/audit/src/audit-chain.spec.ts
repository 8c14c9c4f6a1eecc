import { AuditStream, withoutTypedUsername } from './audit-stream';
import { CHAIN_START, type ChainPosition } from './audit-chain';
import type { AuditSink } from './audit-sinks';
import { verifyChain } from './verify-chain';

/** A sink that keeps lines in memory: the chain and the verifier are pure logic. */
function memorySink(resumeFrom: ChainPosition = CHAIN_START): AuditSink & { lines: string[] } {
  const lines: string[] = [];
  return { resumeFrom, lines, write: (line) => lines.push(line), close: () => undefined };
}

function streamOf(count: number): string[] {
  const sink = memorySink();
  const stream = new AuditStream(sink, () => new Date('2026-12-05T06:00:00Z'));
  for (let index = 0; index < count; index += 1) {
    stream.record({ event: 'issue_credentials', outcome: 'success', subject: `user-${index}`, n: index });
  }
  return sink.lines;
}

const text = (lines: readonly string[]): string => `${lines.join('\n')}\n`;

describe('the audit hash chain', () => {
  it('verifies a stream as written', () => {
    expect(verifyChain(text(streamOf(5)))).toMatchObject({ ok: true, lines: 5, last: { seq: 5 } });
    expect(verifyChain('')).toMatchObject({ ok: true, lines: 0 });
  });

  it('names a changed line', () => {
    const lines = streamOf(5);
    lines[2] = lines[2]!.replace('"user-2"', '"user-9"');
    expect(verifyChain(text(lines))).toEqual({
      ok: false,
      lineNumber: 3,
      problem: 'the line was changed after it was written (hash mismatch)',
    });
  });

  it('names where lines were removed', () => {
    const lines = streamOf(5);
    lines.splice(1, 2);
    expect(verifyChain(text(lines))).toMatchObject({
      ok: false,
      lineNumber: 2,
      problem: expect.stringContaining('2–3') as unknown,
    });
  });

  it('names an inserted, repeated or reordered line', () => {
    const lines = streamOf(5);
    expect(verifyChain(text([...lines.slice(0, 3), lines[1]!, ...lines.slice(3)]))).toMatchObject({
      ok: false,
      lineNumber: 4,
    });
    expect(verifyChain(text([lines[0]!, lines[2]!, lines[1]!]))).toMatchObject({ ok: false, lineNumber: 2 });
  });

  it('catches a line rewritten with a fresh hash, by the next line', () => {
    const forged = streamOf(3);
    const replacement = memorySink({ seq: 1, hash: (JSON.parse(forged[0]!) as { hash: string }).hash });
    new AuditStream(replacement, () => new Date('2026-12-05T06:00:00Z')).record({
      event: 'issue_credentials',
      outcome: 'forged',
    });
    forged[1] = replacement.lines[0]!;
    expect(verifyChain(text(forged))).toMatchObject({
      ok: false,
      lineNumber: 3,
      problem: expect.stringContaining('prev') as unknown,
    });
  });

  it('refuses lines that are not chained audit lines', () => {
    const lines = streamOf(2);
    expect(verifyChain(text([lines[0]!, '{"level":30,"msg":"hello"}']))).toMatchObject({
      ok: false,
      lineNumber: 2,
    });
    expect(verifyChain(text([lines[0]!, lines[1]!.slice(0, 40)]))).toMatchObject({
      ok: false,
      lineNumber: 2,
    });
  });

  it('verifies a stream that starts mid-way, as a rotated file does', () => {
    expect(verifyChain(text(streamOf(6).slice(3)))).toMatchObject({ ok: true, lines: 3, last: { seq: 6 } });
  });

  it('keeps its own seq, time and prev whatever the event carries', () => {
    const sink = memorySink();
    new AuditStream(sink).record({ event: 'x', outcome: 'y', seq: 99, prev: 'forged', hash: 'forged' });
    expect(JSON.parse(sink.lines[0]!)).toMatchObject({ seq: 1, prev: CHAIN_START.hash, event: 'x' });
    expect(verifyChain(text(sink.lines))).toMatchObject({ ok: true });
  });
});

describe('usernames of failed logins', () => {
  it('are kept as a short hash, which still ties attempts together', () => {
    const failed = withoutTypedUsername({
      event: 'login',
      outcome: 'failure',
      username: 'hunter2-typed-as-name',
    });
    expect(failed).not.toHaveProperty('username');
    expect(JSON.stringify(failed)).not.toContain('hunter2');
    expect(failed.usernameSha256).toMatch(/^[0-9a-f]{16}$/);
    expect(
      withoutTypedUsername({ event: 'login', outcome: 'throttled', username: 'hunter2-typed-as-name' })
        .usernameSha256,
    ).toBe(failed.usernameSha256);
  });

  it('are kept as they are on success and in other events', () => {
    expect(withoutTypedUsername({ event: 'login', outcome: 'success', username: 'alice' })).toMatchObject({
      username: 'alice',
    });
    expect(withoutTypedUsername({ event: 'logout', outcome: 'success', username: 'alice' })).toMatchObject({
      username: 'alice',
    });
  });
});
