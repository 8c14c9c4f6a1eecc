import { CHAIN_START, chainHash, splitLine, type ChainPosition } from './audit-chain';

/** What `fedgate audit verify` reports: the chain holds, or the first line where it breaks. */
export type ChainVerdict =
  | { ok: true; lines: number; firstSeq: number; last: ChainPosition }
  | { ok: false; lineNumber: number; problem: string };

interface LineHeader {
  seq?: unknown;
  prev?: unknown;
}

/**
 * Checks every line of an audit stream in order: each must be a chained line,
 * carry the next sequence number, name the previous line's hash as `prev`, and
 * hash to what it claims. The first failure is reported with its line number
 * (1-based) and what is wrong: a changed line (hash), a removed one (a gap in
 * seq), an inserted or reordered one (seq or prev).
 */
export function verifyChain(text: string): ChainVerdict {
  const lines = text.split('\n');
  if (lines.at(-1) === '') {
    lines.pop();
  }
  return verifyChainLines(lines);
}

/** verifyChain for lines already apart, such as the entries of a Redis stream; numbered from 1. */
export function verifyChainLines(lines: readonly string[]): ChainVerdict {
  let position = CHAIN_START;
  let firstSeq = 1;
  for (const [index, line] of lines.entries()) {
    const lineNumber = index + 1;
    const parts = splitLine(line);
    if (parts === undefined) {
      return { ok: false, lineNumber, problem: 'not a chained audit line (no trailing "hash")' };
    }
    let header: LineHeader;
    try {
      header = JSON.parse(line) as LineHeader;
    } catch {
      return { ok: false, lineNumber, problem: 'not valid JSON' };
    }
    // A stream may start mid-way (rotated files, a trimmed Redis stream): its first line sets the starting point.
    if (index === 0 && typeof header.seq === 'number' && typeof header.prev === 'string' && header.seq > 1) {
      position = { seq: header.seq - 1, hash: header.prev };
      firstSeq = header.seq;
    }
    const expectedSeq = position.seq + 1;
    if (header.seq !== expectedSeq) {
      const problem =
        typeof header.seq === 'number' && header.seq > expectedSeq
          ? `lines ${expectedSeq}–${header.seq - 1} of the stream are missing (seq jumps from ${position.seq} to ${header.seq})`
          : `seq ${String(header.seq)} where ${expectedSeq} was expected (a line inserted or out of order)`;
      return { ok: false, lineNumber, problem };
    }
    if (header.prev !== position.hash) {
      return { ok: false, lineNumber, problem: "prev does not name the previous line's hash" };
    }
    if (chainHash(position.hash, parts.body) !== parts.hash) {
      return { ok: false, lineNumber, problem: 'the line was changed after it was written (hash mismatch)' };
    }
    position = { seq: expectedSeq, hash: parts.hash };
  }
  return { ok: true, lines: lines.length, firstSeq: lines.length === 0 ? 0 : firstSeq, last: position };
}
