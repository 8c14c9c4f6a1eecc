import { createHash, hash, randomBytes } from 'node:crypto';
import { FedgateError, type Identity } from '@fedgate/core';
import type { Store } from '@fedgate/store';
import type { BrokerSession } from './broker-session';
import { ParsedSessions } from './parsed-sessions';
import { UserIndex } from './user-index';
import { UserRevocations } from './user-revocations';

export interface SessionTimeouts {
  idleSeconds: number;
  absoluteSeconds: number;
}

const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/**
 * A session used again within this long of its last recorded use is not
 * written back: a CLI or script making many requests a second would
 * otherwise rewrite its session on each. The idle timer can therefore end
 * a session up to this much earlier than exact.
 */
const TOUCH_INTERVAL_MS = 1000;

/** SHA-256 in one call where Node has it (20.12+): no Hash object per request. */
const sha256Base64url: (text: string) => string =
  typeof hash === 'function'
    ? (text) => hash('sha256', text, 'base64url')
    : (text) => createHash('sha256').update(text).digest('base64url');

const SESSION_KEY_PREFIX = 'session:';

function storeKey(token: string): string {
  return `${SESSION_KEY_PREFIX}${sha256Base64url(token)}`;
}

function isBrokerSession(value: unknown): value is BrokerSession {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const candidate = value as Partial<BrokerSession>;
  return (
    typeof candidate.csrfToken === 'string' &&
    typeof candidate.expiresAt === 'string' &&
    typeof candidate.lastSeenAt === 'string' &&
    typeof candidate.identity?.subject === 'string'
  );
}

/** A stored session's text as a session, or `internal` when it is not one. */
function parseSession(stored: string): BrokerSession {
  let session: unknown;
  try {
    session = JSON.parse(stored);
  } catch (error) {
    throw new FedgateError('internal', 'A stored session is unreadable', { cause: error });
  }
  if (!isBrokerSession(session)) {
    throw new FedgateError('internal', 'A stored session is unreadable');
  }
  return session;
}

/**
 * Creates, finds and ends broker sessions in the store. A session ends when
 * unused for the idle timeout or at its absolute expiry, whichever is first.
 * Store failures propagate (fail closed): no store, no session.
 */
export class SessionManager {
  /** The last parse of each session read here, reused while the store answers the same text. */
  private readonly parsed = new ParsedSessions();
  private readonly index: UserIndex;
  private readonly revocations: UserRevocations;

  constructor(
    private readonly store: Store,
    private readonly timeouts: SessionTimeouts,
    private readonly now: () => number = Date.now,
  ) {
    this.index = new UserIndex(store);
    this.revocations = new UserRevocations(store, { keepSeconds: timeouts.absoluteSeconds, now });
  }

  /**
   * Starts a session for a fresh login. Each login gets a new token (no
   * session fixation). `connectorData` is the connector's opaque refresh
   * material, kept with the session and never shown.
   */
  async create(
    identity: Identity,
    options: { connectorData?: string } = {},
  ): Promise<{ token: string; session: BrokerSession }> {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const createdAt = this.now();
    const session: BrokerSession = {
      identity,
      ...(options.connectorData === undefined ? {} : { connectorData: options.connectorData }),
      csrfToken: randomBytes(TOKEN_BYTES).toString('base64url'),
      createdAt: new Date(createdAt).toISOString(),
      lastSeenAt: new Date(createdAt).toISOString(),
      expiresAt: new Date(createdAt + this.timeouts.absoluteSeconds * 1000).toISOString(),
    };
    const key = storeKey(token);
    await this.store.set(key, JSON.stringify(session), this.ttlMs(session));
    await this.index.track(identity, key, this.timeouts.absoluteSeconds * 1000);
    // Checked after the session is written and indexed: a revocation running meanwhile on another
    // replica either finds it in the index or has written its record by now (docs/operations/revocation.md).
    try {
      await this.revocations.check(identity, createdAt);
    } catch (error) {
      await this.store.delete(key);
      throw error;
    }
    return { token, session };
  }

  /**
   * The live session for a token, with its idle timer restarted (unless it
   * was, less than TOUCH_INTERVAL_MS ago); null when unknown or ended.
   */
  async find(token: string): Promise<BrokerSession | null> {
    if (!TOKEN_PATTERN.test(token)) {
      return null;
    }
    const key = storeKey(token);
    const session = await this.readKey(key);
    if (session === null) {
      return null;
    }
    if (this.now() - Date.parse(session.lastSeenAt) < TOUCH_INTERVAL_MS) {
      return session;
    }
    const touched: BrokerSession = { ...session, lastSeenAt: new Date(this.now()).toISOString() };
    const text = JSON.stringify(touched);
    await this.store.set(key, text, this.ttlMs(touched));
    // What was just written is what the next read gets: the same identity object keeps serving it.
    return this.parsed.set(key, text, touched);
  }

  /** The live session for a token as stored, without restarting its idle timer; null when unknown or ended. */
  stored(token: string): Promise<BrokerSession | null> {
    return this.read(token);
  }

  /**
   * Replaces a live session's identity after its source confirmed it again
   * (groups and attributes may have changed), keeping its token, CSRF token
   * and timeouts. Returns the updated session, or null when it ended
   * meanwhile.
   */
  async replaceIdentity(
    token: string,
    identity: Identity,
    options: { connectorData?: string | undefined } = {},
  ): Promise<BrokerSession | null> {
    const current = await this.read(token);
    if (current === null) {
      return null;
    }
    const { connectorData: _previous, ...rest } = current;
    const updated: BrokerSession = {
      ...rest,
      identity,
      ...(options.connectorData === undefined ? {} : { connectorData: options.connectorData }),
      identityCheckedAt: new Date(this.now()).toISOString(),
    };
    await this.store.set(storeKey(token), JSON.stringify(updated), this.ttlMs(updated));
    return updated;
  }

  /** The live session for a token as stored; null (and removed) when unknown, idle too long or expired. */
  private read(token: string): Promise<BrokerSession | null> {
    return TOKEN_PATTERN.test(token) ? this.readKey(storeKey(token)) : Promise.resolve(null);
  }

  /** The live session stored under `key` (the token's digest), as `read` describes. */
  private async readKey(key: string): Promise<BrokerSession | null> {
    const stored = await this.store.get(key);
    if (stored === null) {
      this.parsed.delete(key);
      return null;
    }
    // The store is read every time; only the parse of a text seen before is skipped.
    const session = this.parsed.get(key, stored) ?? this.parsed.set(key, stored, parseSession(stored));
    // The store's TTL already drops idle sessions; checking here too keeps the rule exact
    // whatever the store's expiry granularity.
    const idleMs = this.now() - Date.parse(session.lastSeenAt);
    if (idleMs > this.timeouts.idleSeconds * 1000 || Date.parse(session.expiresAt) <= this.now()) {
      this.parsed.delete(key);
      await this.store.delete(key);
      return null;
    }
    return session;
  }

  /**
   * Ends the session stored under `key` (an entry of the user index), for a
   * revocation: the session as it was, or null when it had ended already or
   * the key is not a session's.
   */
  async endStored(key: string): Promise<BrokerSession | null> {
    if (!key.startsWith(SESSION_KEY_PREFIX)) {
      return null;
    }
    const session = await this.readKey(key);
    this.parsed.delete(key);
    return session !== null && (await this.store.delete(key)) ? session : null;
  }

  /** Ends a session; true when there was one. */
  async destroy(token: string): Promise<boolean> {
    if (!TOKEN_PATTERN.test(token)) {
      return false;
    }
    const key = storeKey(token);
    this.parsed.delete(key);
    return this.store.delete(key);
  }

  private ttlMs(session: BrokerSession): number {
    const remaining = Date.parse(session.expiresAt) - this.now();
    return Math.min(this.timeouts.idleSeconds * 1000, remaining);
  }
}
