import { randomBytes } from 'node:crypto';
import { FedgateError, type Identity } from '@fedgate/core';
import type {
  CanonicalUsername,
  LoginContext,
  PasswordConnector,
  PasswordLoginResult,
  RefreshConnector,
  RefreshResult,
  SignedIn,
} from '../connector';
import { cleanTypedUsername, foldAccountName } from '../typed-username';
import { firstRdnValue } from './dn-names';
import type { DirectoryClient, DirectoryEntry } from './directory-client';
import { ACCOUNT_STATE_ATTRIBUTES, refusalFromBindMessage, refusalFromEntry } from './account-state';
import { resolveGroupDns } from './group-resolver';
import type { LdapConnectorConfig } from './ldap-connector.config';
import { readActiveDirectoryLockoutPolicy, type DirectoryLockoutPolicy } from './lockout-policy';
import { RefusalTiming } from './refusal-timing';
import {
  ConnectionPool,
  MAX_BIND_CONNECTIONS,
  MAX_SERVICE_CONNECTIONS,
  servicePurpose,
  userBindPurpose,
  type ConnectionLease,
} from './connection-pool';
import { escapeDnValue, escapeFilterValue, fillTemplate } from './templates';
import { plainUsername, sameDn, serviceAccountName } from './usernames';

/** What the user search found: exactly one entry, or why not. */
type FoundUser = { kind: 'found'; entry: DirectoryEntry } | { kind: 'refused'; reason: string };

function firstValue(entry: DirectoryEntry, attribute: string): string | Buffer | undefined {
  const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === attribute.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  return Array.isArray(value) ? value[0] : value;
}

function allValues(entry: DirectoryEntry, attribute: string): string[] {
  const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === attribute.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  if (value === undefined) {
    return [];
  }
  return (Array.isArray(value) ? value : [value]).map((item) => item.toString());
}

/** AD's objectGUID is 16 bytes in mixed endianness; show it the way AD tools do. */
function guidString(bytes: Buffer): string {
  const hex = (slice: Buffer) => slice.toString('hex');
  const reversed = (start: number, end: number) => hex(Buffer.from(bytes.subarray(start, end)).reverse());
  return `${reversed(0, 4)}-${reversed(4, 6)}-${reversed(6, 8)}-${hex(bytes.subarray(8, 10))}-${hex(bytes.subarray(10, 16))}`;
}

function stringOf(value: string | Buffer | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value === 'string') {
    return value;
  }
  return value.length === 16 ? guidString(value) : value.toString('hex');
}

/**
 * The LDAP / Active Directory bind proxy (docs/connectors/ldap.md): search for the
 * user with the service account (exactly one entry), check the account's
 * state, then bind as the DN the search returned, on a separate connection
 * so the service connection is never rebound as a user. Both kinds are
 * pooled (ConnectionPool): service connections for searches, and
 * connections used for users' binds only, never searched on, so the
 * identity a bind leaves on one never matters. A login's round trips are the
 * user search, the user's bind and, in search modes, the group search.
 */
export class LdapConnector implements PasswordConnector, RefreshConnector {
  readonly type = 'ldap';
  readonly id: string;
  readonly displayName: string;
  readonly logoUrl: string | undefined;
  /** Connections bound as the service account, shared by logins one after another. */
  private readonly servicePool: ConnectionPool;
  /** Connections for users' binds (and the decoy bind) only, one bind at a time each. */
  private readonly bindPool: ConnectionPool;
  /** The service account's own name, which is never accepted as a user's. */
  private readonly serviceAccount: string;
  /** An entry that cannot exist: refusals before the user's bind bind here instead, for equal work. */
  private readonly decoyDn: string;
  private readonly refusalTiming = new RefusalTiming();

  constructor(
    private readonly config: LdapConnectorConfig,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.id = config.id;
    this.displayName = config.name ?? config.id;
    this.logoUrl = config.logo;
    this.serviceAccount = foldAccountName(serviceAccountName(config.bindDn));
    this.servicePool = new ConnectionPool(config, servicePurpose(config), MAX_SERVICE_CONNECTIONS);
    this.bindPool = new ConnectionPool(config, userBindPurpose, MAX_BIND_CONNECTIONS);
    const decoyName = `fedgate-no-such-account-${randomBytes(12).toString('hex')}`;
    this.decoyDn = `cn=${escapeDnValue(decoyName)},${config.userSearch.baseDn}`;
  }

  /**
   * The plain account name the search filter uses, in the form the
   * directory compares names in: listed down-level domains and UPN suffixes
   * removed, case and Unicode compatibility forms folded, spaces collapsed
   * (foldAccountName), so every spelling of one account is one throttle key.
   * The service account's own name is refused as a user: a login can neither
   * bind as it nor spend its throttle.
   */
  canonicalUsername(typed: string): CanonicalUsername {
    const plain = plainUsername(foldAccountName(cleanTypedUsername(typed)), this.config.usernames);
    if (plain === undefined) {
      return { kind: 'unacceptable', reason: 'username form not accepted' };
    }
    if (plain === this.serviceAccount) {
      return { kind: 'unacceptable', reason: 'the service account cannot sign in as a user' };
    }
    return { kind: 'account', account: plain };
  }

  async login(account: string, password: string, _context: LoginContext): Promise<PasswordLoginResult> {
    // An empty password would be an unauthenticated bind that many directories accept.
    if (password.trim() === '') {
      return { kind: 'invalid_credentials', reason: 'empty password' };
    }
    // Only what canonicalUsername hands out reaches the directory (it throws for control characters).
    const canonical = this.canonicalUsername(account);
    if (canonical.kind !== 'account' || canonical.account !== account) {
      return {
        kind: 'invalid_credentials',
        reason: canonical.kind === 'unacceptable' ? canonical.reason : 'not a canonical account name',
      };
    }
    const plain = account;
    const { lease, found, started } = await this.searchUser(plain);
    let healthy = false;
    try {
      const result = await this.authenticate(lease.connection, found, plain, password, started);
      // Refusals are answers too: only a thrown error leaves the connection suspect.
      healthy = true;
      return result;
    } finally {
      this.servicePool.release(lease.connection, healthy);
    }
  }

  /**
   * The user's entry, searched on a pooled service connection, which the
   * caller then holds. The directory may close a pooled connection just as a
   * login takes it (its idle timeout): the search changes nothing and counts
   * against no account, so on a reused connection it is retried once on a
   * new one. Nothing after it (the user's bind above all) is ever retried.
   */
  private async searchUser(
    plain: string,
  ): Promise<{ lease: ConnectionLease; found: FoundUser; started: number }> {
    const first = await this.servicePool.acquire();
    // Refusal timing counts from the search on: waiting for a connection is not the user's.
    let started = performance.now();
    try {
      return { lease: first, found: await this.findUser(first.connection, plain), started };
    } catch (error) {
      this.servicePool.release(first.connection, false);
      if (!first.reused) {
        throw error;
      }
    }
    const fresh = await this.servicePool.acquire({ fresh: true });
    started = performance.now();
    try {
      return { lease: fresh, found: await this.findUser(fresh.connection, plain), started };
    } catch (error) {
      this.servicePool.release(fresh.connection, false);
      throw error;
    }
  }

  /** State checks, the user's bind and groups, after the search found the entry. */
  private async authenticate(
    service: DirectoryClient,
    found: FoundUser,
    plain: string,
    password: string,
    started: number,
  ): Promise<PasswordLoginResult> {
    if (found.kind === 'refused') {
      await this.equalWork(password, started);
      return { kind: 'invalid_credentials', reason: found.reason };
    }
    const refusal = sameDn(found.entry.dn, this.config.bindDn)
      ? 'the service account cannot sign in as a user'
      : refusalFromEntry(this.config.directory, found.entry, this.now().getTime());
    if (refusal !== undefined) {
      await this.equalWork(password, started);
      return { kind: 'invalid_credentials', reason: refusal };
    }
    const bound = await this.bindAsUser(found.entry.dn, password);
    if (!bound.ok) {
      // What a refusal costs from the search on; refusals before the bind wait as long.
      this.refusalTiming.record(performance.now() - started);
      return {
        kind: 'invalid_credentials',
        reason: refusalFromBindMessage(bound.message) ?? 'wrong password',
      };
    }
    const groupDns = this.config.groups
      ? await resolveGroupDns(service, this.config.groups, {
          dn: found.entry.dn,
          username: plain,
          entry: found.entry,
        })
      : [];
    // The account name the search used: a refresh searches with it again (server-side only).
    return {
      kind: 'authenticated',
      identity: this.identityOf(found.entry, plain, groupDns),
      connectorData: plain,
    };
  }

  /**
   * Re-checks a signed-in user with the service account, as sign-in did but
   * without the user's password: the same search (by the account name sign-in
   * used), the account's state (disabled, locked, expired, must change its
   * password) and the groups. Revoked when the entry is gone, is now another
   * account (its subject changed), or its state refuses it; the directory
   * being unreachable throws, so nothing is issued until it answers. The
   * identity keeps its sign-in time and MFA: a refresh is no new sign-in.
   */
  async refresh(signedIn: SignedIn, _context: LoginContext): Promise<RefreshResult> {
    const plain = signedIn.connectorData;
    if (plain === undefined || this.canonicalUsername(plain).kind !== 'account') {
      return { kind: 'revoked', reason: 'no account name to search for (signed in before refresh existed)' };
    }
    const { lease, found } = await this.searchUser(plain);
    let healthy = false;
    try {
      const result = await this.recheck(lease.connection, found, plain, signedIn.identity);
      healthy = true;
      return result;
    } finally {
      this.servicePool.release(lease.connection, healthy);
    }
  }

  private async recheck(
    service: DirectoryClient,
    found: FoundUser,
    plain: string,
    previous: Identity,
  ): Promise<RefreshResult> {
    if (found.kind === 'refused') {
      return { kind: 'revoked', reason: found.reason };
    }
    const refusal = refusalFromEntry(this.config.directory, found.entry, this.now().getTime());
    if (refusal !== undefined) {
      return { kind: 'revoked', reason: refusal };
    }
    const groupDns = this.config.groups
      ? await resolveGroupDns(service, this.config.groups, {
          dn: found.entry.dn,
          username: plain,
          entry: found.entry,
        })
      : [];
    const current = this.identityOf(found.entry, plain, groupDns);
    if (current.subject !== previous.subject) {
      return { kind: 'revoked', reason: 'the account name now belongs to another entry' };
    }
    return {
      kind: 'current',
      identity: { ...current, mfa: previous.mfa, authTime: previous.authTime },
      connectorData: plain,
    };
  }

  /**
   * The work a refused bind would have done, for a login refused before it:
   * a bind on a user-bind connection to a DN that cannot exist (so nothing
   * is counted against any account), then a wait up to the median time of
   * recent refused user binds. Its outcome is ignored: the answer is
   * already decided.
   */
  private async equalWork(password: string, started: number): Promise<void> {
    try {
      await this.bindAsUser(this.decoyDn, password);
    } catch {
      // Only the time matters here; the search just succeeded, so the directory is up.
    }
    await this.refusalTiming.padFrom(started);
  }

  /**
   * The domain's account lockout policy, for Active Directory (read with the
   * service account from the domain object); undefined for other
   * directories. The broker compares it with its throttle at start-up.
   */
  async lockoutPolicy(): Promise<DirectoryLockoutPolicy | undefined> {
    if (this.config.directory !== 'active-directory') {
      return undefined;
    }
    const { connection } = await this.servicePool.acquire();
    let healthy = false;
    try {
      const policy = await readActiveDirectoryLockoutPolicy(connection);
      healthy = true;
      return policy;
    } finally {
      this.servicePool.release(connection, healthy);
    }
  }

  /** Closes the service and user-bind connections (at shutdown); logins after it fail as idp_unavailable. */
  async close(): Promise<void> {
    await Promise.all([this.servicePool.close(), this.bindPool.close()]);
  }

  private async findUser(service: DirectoryClient, plain: string): Promise<FoundUser> {
    const { attributes, userSearch, directory } = this.config;
    const filter = fillTemplate(userSearch.filter, { username: plain }, escapeFilterValue);
    const requested = [
      attributes.subject,
      attributes.username,
      attributes.email,
      attributes.displayName,
      ...Object.values(attributes.extra),
      ...ACCOUNT_STATE_ATTRIBUTES[directory],
      ...(this.config.groups?.mode === 'memberOf' ? [this.config.groups.attribute] : []),
    ];
    let entries: DirectoryEntry[];
    try {
      entries = await service.search(userSearch.baseDn, filter, requested, {
        sizeLimit: 2,
        binary: attributes.subject === 'objectGUID' ? ['objectGUID'] : [],
      });
    } catch (error) {
      // More than one match trips the size limit: that is an ambiguous user, not an outage.
      const cause = error instanceof FedgateError ? error.cause : undefined;
      if (cause instanceof Error && cause.name === 'SizeLimitExceededError') {
        return { kind: 'refused', reason: 'more than one entry matches the username' };
      }
      throw error;
    }
    if (entries.length !== 1 || entries[0] === undefined) {
      return {
        kind: 'refused',
        reason: entries.length === 0 ? 'unknown user' : 'more than one entry matches the username',
      };
    }
    return { kind: 'found', entry: entries[0] };
  }

  /**
   * Binds as `dn` on a pooled user-bind connection, lent to this bind alone
   * (RFC 4511: nothing else may be outstanding during a bind). An answer,
   * accepted or refused with invalidCredentials (which carries AD's account
   * state sub-codes), leaves the connection reusable; anything thrown
   * (transport error, timeout, any other result) closes it. Never retried:
   * a bind sent may have counted against the account.
   */
  private async bindAsUser(
    dn: string,
    password: string,
  ): Promise<{ ok: true } | { ok: false; message: string }> {
    const { connection } = await this.bindPool.acquire();
    let healthy = false;
    try {
      const result = await connection.bind(dn, password);
      healthy = true;
      return result;
    } finally {
      this.bindPool.release(connection, healthy);
    }
  }

  private identityOf(entry: DirectoryEntry, plain: string, groupDns: string[]): Identity {
    const { attributes } = this.config;
    const subject = stringOf(firstValue(entry, attributes.subject));
    if (subject === undefined || subject === '') {
      throw new FedgateError('idp_unavailable', 'The directory is unavailable', {
        phase: 'ldap.identity',
        detail: { connector: this.id, reason: `the entry has no ${attributes.subject}` },
      });
    }
    const email = stringOf(firstValue(entry, attributes.email));
    const displayName = stringOf(firstValue(entry, attributes.displayName));
    const groups = groupDns.map((dn) => (this.config.groupName === 'dn' ? dn : firstRdnValue(dn)));
    return {
      connectorId: this.id,
      subject,
      username: stringOf(firstValue(entry, attributes.username)) ?? plain,
      // The directory is the authority for its own mail attribute.
      ...(email === undefined ? {} : { email, emailVerified: true }),
      ...(displayName === undefined ? {} : { displayName }),
      groups: [...new Set(groups)].sort(),
      attributes: Object.fromEntries(
        Object.entries(attributes.extra).map(([name, ldapAttribute]) => [
          name,
          allValues(entry, ldapAttribute),
        ]),
      ),
      mfa: { satisfied: false, methods: [] },
      authTime: this.now().toISOString(),
    };
  }
}
