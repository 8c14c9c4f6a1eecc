import type { BrokerSession } from './broker-session';

/** Enough for the sessions active at once on one replica; the oldest parse is dropped beyond it. */
const DEFAULT_CAPACITY = 1000;

/**
 * The sessions parsed lately, each with the exact text it was parsed from.
 * A session is read from the store on every request; when the store answers
 * the text already parsed, the same (frozen) object is returned instead of
 * parsing it again. The store stays the authority: an entry is only ever
 * used for the text the store has just answered, so an ended, revoked or
 * rewritten session (another replica's write included) is never served from
 * here. Returning the same identity object while the stored session is
 * unchanged is also what lets the mapping memoize per identity
 * (docs/benchmarks.md).
 */
export class ParsedSessions {
  private readonly entries = new Map<string, { text: string; session: BrokerSession }>();

  constructor(private readonly capacity: number = DEFAULT_CAPACITY) {}

  /** The session parsed from exactly `text` under `key`, if it is still here. */
  get(key: string, text: string): BrokerSession | undefined {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.text === text ? entry.session : undefined;
  }

  /** Remembers what `text` (as stored under `key`) parses to; the session is frozen, identity included. */
  set(key: string, text: string, session: BrokerSession): BrokerSession {
    const frozen = freezeSession(session);
    // Deleted first so the key moves to the end: the first key is always the least recently set.
    this.entries.delete(key);
    this.entries.set(key, { text, session: frozen });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) {
        this.entries.delete(oldest.value);
      }
    }
    return frozen;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** Shared between requests, so nobody may change it: frozen all the way down (it is parsed JSON). */
function freezeSession(session: BrokerSession): BrokerSession {
  return deepFreeze(session);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) {
      deepFreeze(member);
    }
    Object.freeze(value);
  }
  return value;
}
