import type { Store } from '@fedgate/store';
import { userDigests, userNameDigest, type UserRef } from './user-names';

/** What AWS credentials issued to a user were for: the side of a revocation only AWS can end. */
export interface IssuedToUser {
  /** The role assumed; absent for a federated user (GetFederationToken). */
  roleArn?: string;
  /** The SourceIdentity set on the session; absent for a federated user. */
  sourceIdentity?: string;
}

/** Index entries that are not store keys but facts about issued credentials: never ended, never purged. */
const ISSUED_ROLE = 'issued-role:';
const ISSUED_SOURCE_IDENTITY = 'issued-source-identity:';

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

  /**
   * Records the role and SourceIdentity of AWS credentials issued to the
   * user, until they expire (ttlMs from now): a revocation names them even
   * after the user signed out, for denying older sessions at AWS. Recording
   * them again keeps the later expiry, so each lives as long as the longest
   * credentials issued with it.
   */
  async recordIssued(user: UserRef, issued: IssuedToUser, ttlMs: number): Promise<void> {
    const facts = [
      ...(issued.roleArn === undefined ? [] : [ISSUED_ROLE + issued.roleArn]),
      ...(issued.sourceIdentity === undefined ? [] : [ISSUED_SOURCE_IDENTITY + issued.sourceIdentity]),
    ];
    for (const fact of facts) {
      await this.track(user, fact, ttlMs);
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

/** Whether an index entry records issued credentials (recordIssued) rather than pointing at a store entry. */
export function isIssuedEntry(entry: string): boolean {
  return entry.startsWith(ISSUED_ROLE) || entry.startsWith(ISSUED_SOURCE_IDENTITY);
}

/** The roles and SourceIdentity values among index entries, each once, sorted. */
export function issuedOf(entries: readonly string[]): { roles: string[]; sourceIdentities: string[] } {
  const valuesAfter = (prefix: string): string[] =>
    [
      ...new Set(
        entries.filter((entry) => entry.startsWith(prefix)).map((entry) => entry.slice(prefix.length)),
      ),
    ].sort();
  return { roles: valuesAfter(ISSUED_ROLE), sourceIdentities: valuesAfter(ISSUED_SOURCE_IDENTITY) };
}

function indexKey(digest: string): string {
  return `user-index:${digest}`;
}
