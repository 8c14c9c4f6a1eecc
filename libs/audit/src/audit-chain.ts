import * as crypto from 'node:crypto';

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

/**
 * SHA-256 of one string, in hex. `crypto.hash` (Node 20.12 and later) digests
 * in one call without a Hash object; older Nodes take the Hash object.
 */
const sha256Hex: (data: string) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

export function chainHash(previousHash: string, body: string): string {
  return sha256Hex(`${previousHash}\n${body}`);
}

/** The members the chain writes itself: an event's own are dropped, so they can never shadow them. */
const CHAIN_MEMBERS = ['seq', 'time', 'prev', 'hash'] as const;

/** The event's members as JSON text without braces (`"a":1,"b":2`, or '' for none), chain members left out. */
function eventMembers(event: Readonly<Record<string, unknown>>): string {
  let fields = event;
  if (CHAIN_MEMBERS.some((name) => Object.hasOwn(event, name))) {
    const { seq: _seq, time: _time, prev: _prev, hash: _hash, ...rest } = event;
    fields = rest;
  }
  // Serialized as it is, without a copy; the same text as the spread the chain writes it into.
  return JSON.stringify(fields).slice(1, -1);
}

/** The next line of the chain for an event, and where the chain then stands. */
export function chainLine(
  position: ChainPosition,
  time: Date,
  event: Readonly<Record<string, unknown>>,
): { line: string; position: ChainPosition } {
  const seq = position.seq + 1;
  // seq, time and prev first; the hash covers the text up to, not including, `,"hash":…`.
  const members = eventMembers(event);
  const body = `{"seq":${seq},"time":${JSON.stringify(time.toISOString())},"prev":${JSON.stringify(position.hash)}${members === '' ? '' : `,${members}`}`;
  const hash = chainHash(position.hash, body);
  return { line: `${body},"hash":"${hash}"}`, position: { seq, hash } };
}

/** The body a line's hash covers and the hash it claims, or undefined for a line that is not one of ours. */
export function splitLine(line: string): { body: string; hash: string } | undefined {
  const match = HASH_SUFFIX.exec(line);
  if (match === null || match[1] === undefined) {
    return undefined;
  }
  return { body: line.slice(0, match.index), hash: match[1] };
}
