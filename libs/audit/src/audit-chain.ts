import { createHash } from 'node:crypto';

/**
 * The hash chain of an audit stream. Each line is a JSON object whose last
 * member is `hash`: the SHA-256 of the previous line's hash, a newline, and
 * this line's text up to (not including) `,"hash":…`. A line also carries
 * its sequence number and the previous hash, so a verifier names the first
 * line that was changed, removed or inserted (docs/operations.md).
 */

/** The `prev` of a stream's first line. */
export const GENESIS_HASH = '0'.repeat(64);

const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

/** Where a stream left off: the last line's sequence number and hash. */
export interface ChainPosition {
  seq: number;
  hash: string;
}

export const CHAIN_START: ChainPosition = { seq: 0, hash: GENESIS_HASH };

export function chainHash(previousHash: string, body: string): string {
  return createHash('sha256').update(previousHash).update('\n').update(body).digest('hex');
}

/** The next line of the chain for an event, and where the chain then stands. */
export function chainLine(
  position: ChainPosition,
  time: Date,
  event: Readonly<Record<string, unknown>>,
): { line: string; position: ChainPosition } {
  const seq = position.seq + 1;
  // seq, time and prev first, so the event's own fields can never shadow them.
  const { seq: _seq, time: _time, prev: _prev, hash: _hash, ...fields } = event;
  const body = JSON.stringify({ seq, time: time.toISOString(), prev: position.hash, ...fields });
  const hash = chainHash(position.hash, body.slice(0, -1));
  return { line: `${body.slice(0, -1)},"hash":"${hash}"}`, position: { seq, hash } };
}

/** The body a line's hash covers and the hash it claims, or undefined for a line that is not one of ours. */
export function splitLine(line: string): { body: string; hash: string } | undefined {
  const match = HASH_SUFFIX.exec(line);
  if (match === null || match[1] === undefined) {
    return undefined;
  }
  return { body: line.slice(0, match.index), hash: match[1] };
}
