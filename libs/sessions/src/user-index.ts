import type { Store } from '@fedgate/store';
import { userDigests, userNameDigest, type UserRef } from './user-names';

/**
 * Which store entries belong to a user (sessions, OAuth logins and pending
 * grants, cached credentials), so an administrator can end them all from any
 * replica. Each entry is the store key of what it indexes and expires with
 * it; the index holds keys only (digests and ids), never a token.
 */
export class UserIndex {
  constructor(private readonly store: Store) {}

  /** Records that `storeKey` belongs to the user until ttlMs from now, under their subject and username. */
  async track(user: UserRef, storeKey: string, ttlMs: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil(ttlMs));
    for (const digest of userDigests(user)) {
      await this.store.addToSet(indexKey(digest), storeKey, ttl);
    }
  }

  /** The live entries of the user a connector knows by `name` (their subject or their username). */
  entries(connectorId: string, name: string): Promise<string[]> {
    return this.store.setMembers(indexKey(userNameDigest(connectorId, name)));
  }

  /** Drops an entry that was ended. */
  async forget(connectorId: string, name: string, storeKey: string): Promise<void> {
    await this.store.removeFromSet(indexKey(userNameDigest(connectorId, name)), storeKey);
  }
}

function indexKey(digest: string): string {
  return `user-index:${digest}`;
}
