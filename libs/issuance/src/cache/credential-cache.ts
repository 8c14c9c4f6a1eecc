import { FedgateError } from '@fedgate/core';
import type { Store, StoreLock } from '@fedgate/store';

import type { IssuedCredentials } from '../issued-credentials';
import type { CacheCipher } from './cache-cipher';
import { CREDENTIAL_CACHE_KEY_PATTERN } from './cache-key';

/** The user credentials are issued for, as revocation names them (connector, subject, username). */
export interface CacheOwner {
  connectorId: string;
  subject: string;
  username: string;
}

/**
 * What the cache needs of revocation (libs/sessions' UserIndex and
 * UserRevocations): entries are indexed under their owner so an
 * administrator can purge them, and checked against the owner's revocation
 * once written.
 */
export interface CacheRevocation {
  track(owner: CacheOwner, storeKey: string, ttlMs: number): Promise<void>;
  /** Rejects (access_revoked) when the owner is blocked, or `since` is before their latest revocation. */
  check(owner: CacheOwner, since: number): Promise<void>;
}

export interface CredentialCacheOptions {
  /**
   * Indexes each written entry under its owner and checks the owner's
   * revocation after writing (docs/operations/revocation.md); none: entries
   * are not revocable per user.
   */
  revocation?: CacheRevocation;
  /** Serve an entry only while it has more than this many seconds left (`issuance.cache.refreshBefore`). */
  refreshBeforeSeconds: number;
  /** The clock credentials' expiry is measured against; default Date.now. Waiting uses real time. */
  now?: () => number;
  /**
   * How long the cross-replica issuing lock lives, in ms; default 15 s. The
   * holder extends it every third of that while issue() runs (up to waitMs),
   * so a slow STS call does not let a second replica issue too, and a crashed
   * holder frees it within this time.
   */
  lockTtlMs?: number;
  /**
   * How long a request waits for another replica's issuance before failing
   * with 'upstream_unavailable', in ms; default 45 s (a backend's default
   * timeout times its default attempts, plus margin).
   */
  waitMs?: number;
  /** Mean delay between looks while another replica issues, in ms, jittered ±50 %; default 50. */
  pollMs?: number;
}

/** Where getOrIssue's credentials came from. */
export type CredentialSource =
  /** A fresh entry was in the store. */
  | 'cache'
  /** This call ran issue(). */
  | 'issued'
  /** Another request (in this process or another replica) issued them while this one waited. */
  | 'coalesced';

export interface CachedCredentials {
  credentials: IssuedCredentials;
  source: CredentialSource;
}

/**
 * A read of one entry started ahead of getOrIssue (CredentialCache.lookup), for getOrIssue to
 * serve. Opaque; dropping it unused is safe: a read that fails is never an unhandled rejection.
 */
export interface CacheLookup {
  /** The cache key whose entry it reads. */
  readonly key: string;
}

/** What lookup() hands out: the store's answer on its way, and the cache that asked. */
class StartedLookup implements CacheLookup {
  constructor(
    readonly key: string,
    readonly cache: CredentialCache,
    /** The sealed entry, or null; decrypted only when getOrIssue serves it. */
    readonly sealed: Promise<string | null>,
  ) {}
}

const DEFAULT_LOCK_TTL_MS = 15_000;
const DEFAULT_WAIT_MS = 45_000;
const DEFAULT_POLL_MS = 50;
/** Entries and locks share this prefix; the rest is the 64-hex cache key. */
const NAMESPACE = 'issuance:credentials:';
/** Entries kept decrypted (see `opened`): more than one replica serves distinct credentials at once. */
const OPENED_CAPACITY = 1000;

/**
 * Caches issued credentials in the store, encrypted (CacheCipher, with the
 * cache key as associated data), and makes identical concurrent requests share
 * one STS call:
 *
 * - in this process, concurrent getOrIssue calls for one key share a single
 *   lookup (single flight); a caller may start that first read early with
 *   lookup(), to send it together with another store command, and hand it to
 *   getOrIssue, which serves it;
 * - across replicas sharing the store, the one that takes the store lock
 *   `issuance:credentials:<key>` re-checks the cache, calls issue(), writes the
 *   entry and releases; the others poll the cache (jittered) until the entry
 *   appears, or take the lock themselves once it is free (so when issue()
 *   failed, the next replica tries once, one at a time: no stampede), failing
 *   with 'upstream_unavailable' after waitMs.
 *
 * An entry lives until `expiration − refreshBefore` (nothing is written when
 * that is already past) and is re-checked against the clock on every read.
 * Entries that fail to decrypt (unknown key id, tampered, moved, or another
 * replica's ephemeral key) are misses and get overwritten.
 *
 * Fails closed: any store failure rejects with the store's
 * FedgateError('store_unavailable'), before issue() when reading, and even
 * after issue() when the entry cannot be written. Errors and store keys never
 * contain credentials; nothing here logs.
 */
export class CredentialCache {
  private readonly inflight = new Map<string, Promise<CachedCredentials>>();
  /**
   * The last entry decrypted under each key, with the sealed text it came
   * from: while the store answers that same text, it is not decrypted and
   * parsed again. The store is read on every request and stays the
   * authority (a deleted or rewritten entry is never served from here); the
   * cipher protects entries in the store, which this process could decrypt
   * anyway.
   */
  private readonly opened = new Map<string, { sealed: string; credentials: IssuedCredentials }>();
  /** The reads lookup() started that have not answered yet, by key: lookups of one key share one. */
  private readonly reading = new Map<string, Promise<string | null>>();
  private readonly refreshBeforeMs: number;
  private readonly now: () => number;
  private readonly lockTtlMs: number;
  private readonly waitMs: number;
  private readonly pollMs: number;
  private readonly revocation: CacheRevocation | undefined;

  constructor(
    private readonly store: Store,
    private readonly cipher: CacheCipher,
    options: CredentialCacheOptions,
  ) {
    this.refreshBeforeMs = nonNegative('refreshBeforeSeconds', options.refreshBeforeSeconds) * 1000;
    this.now = options.now ?? Date.now;
    this.lockTtlMs = positiveInteger('lockTtlMs', options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS);
    this.waitMs = nonNegative('waitMs', options.waitMs ?? DEFAULT_WAIT_MS);
    this.pollMs = positive('pollMs', options.pollMs ?? DEFAULT_POLL_MS);
    this.revocation = options.revocation;
  }

  /**
   * Starts reading the entry of `key` now: the store command is issued before this returns, so
   * a caller that has just issued another command (a rate limit) sends both at once, and serves
   * the answer later with getOrIssue(key, issue, owner, lookup), e.g. only once its rate limit
   * passed. Lookups of one key made while a read of it is still on its way share that read, as
   * getOrIssue's callers share a flight. Nothing is decrypted here: a lookup never served costs
   * its read only.
   */
  lookup(key: string): CacheLookup {
    checkKey(key);
    let sealed = this.reading.get(key);
    if (sealed === undefined) {
      const read = this.store.get(NAMESPACE + key);
      this.reading.set(key, read);
      const forget = (): void => {
        if (this.reading.get(key) === read) {
          this.reading.delete(key);
        }
      };
      // Also handles the rejection for a lookup that is dropped; getOrIssue still gets it.
      void read.then(forget, forget);
      sealed = read;
    }
    return new StartedLookup(key, this, sealed);
  }

  /**
   * Cached credentials with more than refreshBefore left, else one issue() per key across callers
   * and replicas. With a `lookup` of this key (lookup()), its read is the first look at the
   * store, unless a flight for the key is under way, which the call then joins.
   */
  async getOrIssue(
    key: string,
    issue: () => Promise<IssuedCredentials>,
    owner?: CacheOwner,
    lookup?: CacheLookup,
  ): Promise<CachedCredentials> {
    checkKey(key);
    if (
      lookup !== undefined &&
      !(lookup instanceof StartedLookup && lookup.cache === this && lookup.key === key)
    ) {
      throw new RangeError("the lookup must come from this cache's lookup() for the same key");
    }
    let flight = this.inflight.get(key);
    let joined = true;
    if (flight === undefined) {
      joined = false;
      flight = this.lookUpOrIssue(key, issue, owner, lookup?.sealed);
      this.inflight.set(key, flight);
      const settled = flight;
      const forget = (): void => {
        if (this.inflight.get(key) === settled) {
          this.inflight.delete(key);
        }
      };
      void settled.then(forget, forget);
    }
    const result = await flight;
    return {
      // Each caller gets its own copy, so one caller changing its object cannot affect another.
      credentials: { ...result.credentials, expiration: new Date(result.credentials.expiration.getTime()) },
      source: joined && result.source === 'issued' ? 'coalesced' : result.source,
    };
  }

  private async lookUpOrIssue(
    key: string,
    issue: () => Promise<IssuedCredentials>,
    owner: CacheOwner | undefined,
    lookedUp: Promise<string | null> | undefined,
  ): Promise<CachedCredentials> {
    const cached = lookedUp === undefined ? await this.read(key) : this.servable(key, await lookedUp);
    if (cached !== undefined) {
      return { credentials: cached, source: 'cache' };
    }
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const lock = await this.store.acquireLock(NAMESPACE + key, this.lockTtlMs);
      if (lock !== null) {
        return this.issueHoldingLock(key, lock, issue, owner);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new FedgateError(
          'upstream_unavailable',
          'Timed out waiting for identical credentials being issued by another request',
          { detail: { operation: 'credential-cache', waitedMs: this.waitMs } },
        );
      }
      await sleep(Math.min(remaining, this.pollMs * (0.5 + Math.random())));
      const written = await this.read(key);
      if (written !== undefined) {
        return { credentials: written, source: 'coalesced' };
      }
    }
  }

  private async issueHoldingLock(
    key: string,
    lock: StoreLock,
    issue: () => Promise<IssuedCredentials>,
    owner: CacheOwner | undefined,
  ): Promise<CachedCredentials> {
    const heartbeat = this.keepAlive(lock);
    let result: CachedCredentials;
    try {
      // Another replica may have written the entry between our read and our lock.
      const written = await this.read(key);
      if (written !== undefined) {
        result = { credentials: written, source: 'coalesced' };
      } else {
        const started = this.now();
        const credentials = await issue();
        await this.write(key, credentials, owner, started);
        result = { credentials, source: 'issued' };
      }
    } catch (error) {
      clearInterval(heartbeat);
      await lock.release().catch(() => false);
      throw error;
    }
    clearInterval(heartbeat);
    // A store that fails here is down: fail closed, as for any other store failure.
    await lock.release();
    return result;
  }

  /** Extends the lock while issue() runs, for at most waitMs, after which waiters give up anyway. */
  private keepAlive(lock: StoreLock): NodeJS.Timeout {
    const started = Date.now();
    const timer = setInterval(
      () => {
        if (Date.now() - started >= this.waitMs) {
          clearInterval(timer);
          return;
        }
        // A failed extend only risks a second issuance; the write or release reports a store outage.
        lock.extend(this.lockTtlMs).catch(() => false);
      },
      Math.max(1, Math.floor(this.lockTtlMs / 3)),
    );
    timer.unref();
    return timer;
  }

  /** The entry's credentials when it decrypts, is well formed and has more than refreshBefore left. */
  private async read(key: string): Promise<IssuedCredentials | undefined> {
    return this.servable(key, await this.store.get(NAMESPACE + key));
  }

  /** What read() makes of the store's answer for the entry of `key`. */
  private servable(key: string, sealed: string | null): IssuedCredentials | undefined {
    if (sealed === null) {
      this.opened.delete(key);
      return undefined;
    }
    const credentials = this.open(key, sealed);
    if (credentials === undefined || credentials.expiration.getTime() - this.now() <= this.refreshBeforeMs) {
      return undefined;
    }
    return credentials;
  }

  /** The entry's credentials, decrypted once per sealed text; undefined when it does not decrypt or parse. */
  private open(key: string, sealed: string): IssuedCredentials | undefined {
    const known = this.opened.get(key);
    if (known !== undefined && known.sealed === sealed) {
      return known.credentials;
    }
    const plaintext = this.cipher.decrypt(sealed, key);
    const credentials = plaintext === undefined ? undefined : deserialize(plaintext);
    this.opened.delete(key);
    if (credentials !== undefined) {
      // Frozen: every caller gets a copy (getOrIssue), and this one must stay as decrypted.
      this.opened.set(key, { sealed, credentials: Object.freeze(credentials) });
      if (this.opened.size > OPENED_CAPACITY) {
        const oldest = this.opened.keys().next();
        if (oldest.done !== true) {
          this.opened.delete(oldest.value);
        }
      }
    }
    return credentials;
  }

  private async write(
    key: string,
    credentials: IssuedCredentials,
    owner: CacheOwner | undefined,
    started: number,
  ): Promise<void> {
    const ttlMs = Math.floor(credentials.expiration.getTime() - this.refreshBeforeMs - this.now());
    if (!(ttlMs > 0)) {
      return; // Already within refreshBefore (or no valid expiry): never servable, so not worth storing.
    }
    await this.store.set(NAMESPACE + key, this.cipher.encrypt(serialize(credentials), key), ttlMs);
    const revocation = this.revocation;
    if (owner === undefined || revocation === undefined) {
      return;
    }
    await revocation.track(owner, NAMESPACE + key, ttlMs);
    // After the write: a revocation that began while STS was asked either finds the entry in the
    // index or is seen here, so credentials issued before it are never served from the cache.
    try {
      await revocation.check(owner, started);
    } catch (error) {
      await this.store.delete(NAMESPACE + key);
      throw error;
    }
  }

  /**
   * Removes the entry stored under `storeKey` (an entry of the user index),
   * for an administrator's revocation; true when there was one.
   */
  async purgeStored(storeKey: string): Promise<boolean> {
    return storeKey.startsWith(NAMESPACE) && this.store.delete(storeKey);
  }
}

/** What an entry holds once decrypted. */
interface StoredCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: number;
  accountId: string;
  kind: IssuedCredentials['kind'];
  assumedRoleArn?: string;
}

function serialize(credentials: IssuedCredentials): string {
  const stored: StoredCredentials = {
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    expiration: credentials.expiration.getTime(),
    accountId: credentials.accountId,
    kind: credentials.kind,
  };
  if (credentials.assumedRoleArn !== undefined) {
    stored.assumedRoleArn = credentials.assumedRoleArn;
  }
  return JSON.stringify(stored);
}

/** Undefined for anything that is not exactly what serialize writes; the caller treats it as a miss. */
function deserialize(plaintext: string): IssuedCredentials | undefined {
  let value: unknown;
  try {
    value = JSON.parse(plaintext);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const stored = value as Partial<Record<keyof StoredCredentials, unknown>>;
  const { accessKeyId, secretAccessKey, sessionToken, expiration, accountId, kind, assumedRoleArn } = stored;
  if (
    typeof accessKeyId !== 'string' ||
    typeof secretAccessKey !== 'string' ||
    typeof sessionToken !== 'string' ||
    typeof expiration !== 'number' ||
    !Number.isFinite(expiration) ||
    typeof accountId !== 'string' ||
    (kind !== 'role' && kind !== 'federated-user') ||
    (assumedRoleArn !== undefined && typeof assumedRoleArn !== 'string')
  ) {
    return undefined;
  }
  const credentials: IssuedCredentials = {
    accessKeyId,
    secretAccessKey,
    sessionToken,
    expiration: new Date(expiration),
    accountId,
    kind,
  };
  if (assumedRoleArn !== undefined) {
    credentials.assumedRoleArn = assumedRoleArn;
  }
  return credentials;
}

function checkKey(key: string): void {
  if (!CREDENTIAL_CACHE_KEY_PATTERN.test(key)) {
    throw new RangeError('the cache key must be 64 lowercase hex characters (credentialCacheKey)');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function nonNegative(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!(Number.isSafeInteger(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
