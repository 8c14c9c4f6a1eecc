import { FedgateError } from '@fedgate/core';
import type { Store } from '@fedgate/store';
import { userDigests, userNameDigest, type UserRef } from './user-names';

/** An administrator's revocation of one user (docs/operations/revocation.md). */
export interface RevocationRecord {
  /** The revocation instant, ms since the epoch: whatever the user held from before it is void. */
  issuedBefore: number;
  /** Until when (ms since the epoch) the user may not sign in or get credentials; null when not blocked. */
  blockedUntil: number | null;
}

export interface UserRevocationsOptions {
  /**
   * How long a record is kept at least, in seconds, whatever its block: as
   * long as anything begun before the revocation may still try to land (a
   * sign-in, an OAuth login), so it is still found then.
   */
  keepSeconds: number;
  now?: () => number;
}

/**
 * Revocation records in the store, one per user name, shared by replicas.
 * Sign-in, OAuth logins and issuance consult them where they write anyway
 * (never on a request's hot path): a user who is blocked gets
 * `access_revoked`, and an entry begun before the revocation is refused.
 */
export class UserRevocations {
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly options: UserRevocationsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Writes the revocation of the user a connector knows by `name` (subject or
   * username), starting now and blocking for blockSeconds (0: no block). A
   * later revocation replaces an earlier one, block included.
   */
  async revoke(connectorId: string, name: string, blockSeconds: number): Promise<RevocationRecord> {
    const issuedBefore = this.now();
    const record: RevocationRecord = {
      issuedBefore,
      blockedUntil: blockSeconds > 0 ? issuedBefore + blockSeconds * 1000 : null,
    };
    const ttlMs = Math.max(blockSeconds, this.options.keepSeconds) * 1000;
    await this.store.set(recordKey(userNameDigest(connectorId, name)), JSON.stringify(record), ttlMs);
    return record;
  }

  /** The user's latest revocation, under either of their names; null when there is none. */
  async recordFor(user: UserRef): Promise<RevocationRecord | null> {
    let latest: RevocationRecord | null = null;
    for (const digest of userDigests(user)) {
      const record = parseRecord(await this.store.get(recordKey(digest)));
      if (record !== null && (latest === null || record.issuedBefore > latest.issuedBefore)) {
        latest = record;
      }
    }
    return latest;
  }

  /**
   * Refuses with `access_revoked` when the user is blocked now, or when
   * `since` (ms since the epoch: when a session or login began) is not after
   * their latest revocation.
   */
  async check(user: UserRef, since?: number): Promise<void> {
    const record = await this.recordFor(user);
    if (record === null) {
      return;
    }
    const now = this.now();
    if (record.blockedUntil !== null && record.blockedUntil > now) {
      throw new FedgateError(
        'access_revoked',
        `An administrator revoked this user's access until ${new Date(record.blockedUntil).toISOString()}`,
        {
          phase: 'revocation.block',
          retryAfterSeconds: Math.ceil((record.blockedUntil - now) / 1000),
        },
      );
    }
    // The revocation's own millisecond counts as before it: what began then may have been missed.
    if (since !== undefined && since <= record.issuedBefore) {
      throw new FedgateError('access_revoked', "An administrator revoked this user's access; sign in again", {
        phase: 'revocation.issued-before',
      });
    }
  }
}

function recordKey(digest: string): string {
  return `user-revoked:${digest}`;
}

/** A stored record, or null; an unreadable one is an internal error (fail closed). */
function parseRecord(text: string | null): RevocationRecord | null {
  if (text === null) {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FedgateError('internal', 'A stored revocation record is unreadable', { cause: error });
  }
  const candidate = value as Partial<RevocationRecord> | null;
  if (
    typeof candidate?.issuedBefore !== 'number' ||
    (candidate.blockedUntil !== null && typeof candidate.blockedUntil !== 'number')
  ) {
    throw new FedgateError('internal', 'A stored revocation record is unreadable');
  }
  return { issuedBefore: candidate.issuedBefore, blockedUntil: candidate.blockedUntil };
}
