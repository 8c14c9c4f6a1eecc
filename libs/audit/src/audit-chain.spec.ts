import { AuditStream, withoutTypedUsername } from './audit-stream';
import { createHash } from 'node:crypto';
import {
  CHAIN_START,
  GENESIS_HASH,
  chainHash,
  chainLine,
  splitLine,
  type ChainPosition,
} from './audit-chain';
import type { AuditSink } from './audit-sinks';
import { verifyChain } from './verify-chain';

/** A sink that keeps lines in memory: the chain and the verifier are pure logic. */
function memorySink(resumeFrom: ChainPosition = CHAIN_START): AuditSink & { lines: string[] } {
  const lines: string[] = [];
  return { resumeFrom, lines, write: (written) => lines.push(...written), close: () => undefined };
}

function streamOf(count: number): string[] {
  const sink = memorySink();
  const stream = new AuditStream(sink, () => new Date('2026-12-05T06:00:00Z'));
  for (let index = 0; index < count; index += 1) {
    stream.record({ event: 'issue_credentials', outcome: 'success', subject: `user-${index}`, n: index });
  }
  stream.flush();
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
    const forger = new AuditStream(replacement, () => new Date('2026-12-05T06:00:00Z'));
    forger.record({ event: 'issue_credentials', outcome: 'forged' });
    forger.flush();
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
    const stream = new AuditStream(sink);
    stream.record({ event: 'x', outcome: 'y', seq: 99, prev: 'forged', hash: 'forged' });
    stream.flush();
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

describe('the text of a chained line', () => {
  const time = new Date('2026-12-05T06:00:00Z');

  /** The line as the chain defines it (docs/operations.md), built the plain way: a spread copy and a Hash object. */
  function referenceLine(position: ChainPosition, event: Record<string, unknown>): string {
    const { seq: _seq, time: _time, prev: _prev, hash: _hash, ...fields } = event;
    const body = JSON.stringify({
      seq: position.seq + 1,
      time: time.toISOString(),
      prev: position.hash,
      ...fields,
    });
    const hash = createHash('sha256')
      .update(position.hash)
      .update('\n')
      .update(body.slice(0, -1))
      .digest('hex');
    return `${body.slice(0, -1)},"hash":"${hash}"}`;
  }

  it.each<[string, Record<string, unknown>]>([
    ['an issuance', { event: 'issue_credentials', outcome: 'success', subject: 'S-1-5-21', n: 3 }],
    ['no fields', {}],
    ['undefined members only', { reason: undefined }],
    ['chain members only', { seq: 4, hash: 'x' }],
    ['chain members among others', { event: 'x', time: 'then', prev: 'forged', nested: { a: [1, 'b'] } }],
    ['text that JSON escapes', { event: 'login', subject: 'é "quoted" \\ \u2028 \n', username: '🙂' }],
  ])('is the defined text for %s', (_name, event) => {
    const position = { seq: 41, hash: 'ab'.repeat(32) };
    expect(chainLine(position, time, event).line).toBe(referenceLine(position, event));
    expect(chainLine(CHAIN_START, time, event).line).toBe(referenceLine(CHAIN_START, event));
  });

  it('starts with seq, time and prev even when the event has integer-like keys (which objects put first)', () => {
    const sink = memorySink();
    const stream = new AuditStream(sink, () => time);
    stream.record({ event: 'x', 2: 'two', 1: 'one' });
    stream.flush();
    expect(sink.lines[0]).toMatch(
      /^\{"seq":1,"time":"2026-12-05T06:00:00.000Z","prev":"0{64}","1":"one","2":"two","event":"x","hash":/,
    );
    expect(verifyChain(text(sink.lines))).toMatchObject({ ok: true, lines: 1 });
  });

  it('hashes the previous hash, a newline and the body', () => {
    const { line, position } = chainLine(CHAIN_START, time, { event: 'x' });
    const parts = splitLine(line);
    expect(parts?.hash).toBe(position.hash);
    expect(position.hash).toBe(
      createHash('sha256')
        .update(`${GENESIS_HASH}\n${parts?.body ?? ''}`)
        .digest('hex'),
    );
    expect(chainHash(GENESIS_HASH, parts?.body ?? '')).toBe(position.hash);
  });
});
