import { randomBytes } from 'node:crypto';
import { FedgateError, type Identity } from '@fedgate/core';
import { UserIndex, UserRevocations, type BrokerSession, type SessionTimeouts } from '@fedgate/sessions';
import type { Store } from '@fedgate/store';
import { OAuthError } from './oauth-error';
import { digest, isSecret, newSecret, sameDigest } from './secrets';

/** Who signed in and what the connector keeps to refresh them: copied from the browser session that approved. */
export interface GrantSubject {
  identity: Identity;
  connectorData?: string;
  identityCheckedAt?: string;
  /**
   * When the user approved this login (ms since the epoch), for a code or a device request
   * exchanged later: a revocation after the approval refuses it, however late it lands.
   */
  grantedAt?: number;
}

/** What the token endpoint answers (RFC 6749 section 5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

/**
 * One login of one client: the family of its refresh tokens. It holds a
 * session of its own (BrokerSession's shape, so the identity re-check and
 * `/api/v1/*` treat it exactly as a cookie session) and the digests of the
 * one current refresh token and access token.
 */
interface StoredFamily {
  familyId: string;
  clientId: string;
  session: BrokerSession;
  refreshDigest: string;
  accessDigest: string;
}

interface StoredAccess {
  familyId: string;
  expiresAt: number;
}

/** What a bearer request is served with. */
export interface BearerGrant {
  familyId: string;
  clientId: string;
  session: BrokerSession;
}

/** Something to hear about grants (issued, reused, revoked) for the audit trail. */
export type GrantEvents = (event: { event: string; outcome: string; [field: string]: unknown }) => void;

export interface GrantsOptions {
  /** Idle and absolute lifetime of a login, as for portal sessions (the `session` section). */
  timeouts: SessionTimeouts;
  /** Lifetime of an access token; capped by the login's own end. */
  accessTokenSeconds: number;
  now?: () => number;
  events?: GrantEvents;
}

const FAMILY_ID = /^[A-Za-z0-9_-]{22}$/;
/** A family is changed only under its lock, held at most this long. */
const LOCK_MS = 5_000;

/**
 * Logins of OAuth clients in the store: opaque access and refresh tokens
 * (only their digests are stored), refresh-token rotation, reuse detection
 * and revocation. Access tokens are handles rather than signed JWTs so that
 * revoking a login (logout, reuse) ends its access tokens at once, and the
 * store is read on every request anyway, as for sessions.
 */
export class Grants {
  private readonly now: () => number;
  private readonly index: UserIndex;
  private readonly revocations: UserRevocations;

  constructor(
    private readonly store: Store,
    private readonly options: GrantsOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.index = new UserIndex(store);
    this.revocations = new UserRevocations(store, {
      keepSeconds: options.timeouts.absoluteSeconds,
      now: this.now,
    });
  }

  /** Starts a login for the client and returns its first tokens. */
  async issue(clientId: string, subject: GrantSubject): Promise<TokenResponse> {
    const familyId = randomBytes(16).toString('base64url');
    const created = this.now();
    const session: BrokerSession = {
      identity: subject.identity,
      ...(subject.connectorData === undefined ? {} : { connectorData: subject.connectorData }),
      ...(subject.identityCheckedAt === undefined ? {} : { identityCheckedAt: subject.identityCheckedAt }),
      // Never checked (bearer requests carry no CSRF); there so the session has BrokerSession's shape.
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: new Date(created).toISOString(),
      lastSeenAt: new Date(created).toISOString(),
      expiresAt: new Date(created + this.options.timeouts.absoluteSeconds * 1000).toISOString(),
    };
    const tokens = await this.newTokens(familyId, session);
    await this.save({
      familyId,
      clientId,
      session,
      refreshDigest: digest(tokens.refresh_token),
      accessDigest: digest(tokens.access_token),
    });
    await this.touch(familyId, session);
    await this.index.track(subject.identity, this.familyKey(familyId), this.familyTtlMs());
    // After the write, as for sessions: a revocation meanwhile either finds this login or is seen here.
    try {
      await this.revocations.check(subject.identity, subject.grantedAt ?? created);
    } catch (error) {
      await this.endFamily(
        { familyId, clientId, session, refreshDigest: '', accessDigest: digest(tokens.access_token) },
        'refused',
      );
      throw revokedGrant(error);
    }
    this.options.events?.({
      event: 'oauth_grant',
      outcome: 'issued',
      client: clientId,
      connector: subject.identity.connectorId,
      subject: subject.identity.subject,
      family: familyId,
    });
    return tokens;
  }

  /**
   * The refresh token grant with rotation: the token is good once, and the
   * answer carries its successor. A token presented a second time means two
   * parties hold it (one stole it): the whole login is revoked, the
   * legitimate client included, and both must log in again.
   */
  async refresh(refreshToken: string | undefined, clientId: string): Promise<TokenResponse> {
    if (!isSecret('fgr', refreshToken)) {
      throw new OAuthError('invalid_grant', 'The refresh token is not one fedgate issued');
    }
    const tokenDigest = digest(refreshToken);
    const familyId = await this.store.get(`oauth-refresh:${tokenDigest}`);
    if (familyId === null || !FAMILY_ID.test(familyId)) {
      throw new OAuthError('invalid_grant', 'The refresh token is unknown or expired; log in again');
    }
    // The one atomic step: of any number of presentations of this token, one is first.
    const first = await this.store.setIfAbsent(`oauth-refresh-used:${tokenDigest}`, '1', this.familyTtlMs());
    return this.store.withLock(`oauth-family:${familyId}`, LOCK_MS, async () => {
      const family = await this.load(familyId);
      if (family === null) {
        throw new OAuthError('invalid_grant', 'This login has ended or was revoked; log in again');
      }
      if (!first || !sameDigest(family.refreshDigest, tokenDigest)) {
        await this.store.delete(this.familyKey(familyId));
        await this.store.delete(`oauth-access:${family.accessDigest}`);
        this.options.events?.({
          event: 'oauth_refresh_reuse',
          outcome: 'revoked',
          client: family.clientId,
          connector: family.session.identity.connectorId,
          subject: family.session.identity.subject,
          family: familyId,
        });
        throw new OAuthError(
          'invalid_grant',
          'This refresh token was already used; the login is revoked, log in again',
        );
      }
      if (family.clientId !== clientId) {
        throw new OAuthError('invalid_grant', 'The refresh token was issued to another client');
      }
      const session = await this.live(family);
      if (session === null) {
        throw new OAuthError('invalid_grant', 'This login has ended; log in again');
      }
      try {
        await this.revocations.check(session.identity, Date.parse(session.createdAt));
      } catch (error) {
        await this.endFamily(family, 'refused');
        throw revokedGrant(error);
      }
      const tokens = await this.newTokens(familyId, session);
      await this.store.delete(`oauth-access:${family.accessDigest}`);
      await this.save({
        ...family,
        refreshDigest: digest(tokens.refresh_token),
        accessDigest: digest(tokens.access_token),
      });
      return tokens;
    });
  }

  /**
   * Who the login of a refresh token belongs to, read without using the
   * token up (the token endpoint's per-user limit is taken before the
   * rotation); null for a token fedgate does not know.
   */
  async refreshTokenOwner(
    refreshToken: string | undefined,
  ): Promise<{ connectorId: string; subject: string } | null> {
    if (!isSecret('fgr', refreshToken)) {
      return null;
    }
    const familyId = await this.store.get(`oauth-refresh:${digest(refreshToken)}`);
    const family = familyId === null || !FAMILY_ID.test(familyId) ? null : await this.load(familyId);
    if (family === null) {
      return null;
    }
    const { connectorId, subject } = family.session.identity;
    return { connectorId, subject };
  }

  /**
   * The login behind an access token, its idle timer restarted; null when
   * the token is unknown, expired, rotated out or its login revoked.
   */
  async authenticate(accessToken: string): Promise<BearerGrant | null> {
    if (!isSecret('fga', accessToken)) {
      return null;
    }
    const accessDigest = digest(accessToken);
    const access = parse(await this.store.get(`oauth-access:${accessDigest}`)) as StoredAccess | null;
    if (access === null || access.expiresAt <= this.now() || !FAMILY_ID.test(access.familyId)) {
      return null;
    }
    const family = await this.load(access.familyId);
    if (family === null || !sameDigest(family.accessDigest, accessDigest)) {
      return null;
    }
    const session = await this.live(family);
    if (session === null) {
      return null;
    }
    return { familyId: family.familyId, clientId: family.clientId, session };
  }

  /**
   * RFC 7009: ends the login an access or refresh token belongs to, when it
   * was issued to `clientId`. Unknown tokens are not an error (the answer
   * must not tell an attacker which tokens exist).
   */
  async revoke(token: string | undefined, clientId: string): Promise<void> {
    let familyId: string | null = null;
    if (isSecret('fgr', token)) {
      familyId = await this.store.get(`oauth-refresh:${digest(token)}`);
    } else if (isSecret('fga', token)) {
      familyId =
        (parse(await this.store.get(`oauth-access:${digest(token)}`)) as StoredAccess | null)?.familyId ??
        null;
    }
    if (familyId === null || !FAMILY_ID.test(familyId)) {
      return;
    }
    const id = familyId;
    await this.store.withLock(`oauth-family:${id}`, LOCK_MS, async () => {
      const family = await this.load(id);
      if (family === null || family.clientId !== clientId) {
        return;
      }
      await this.endFamily(family, 'revoked');
    });
  }

  /** A login's session as stored, keyed by family id; null when the login ended. */
  async stored(familyId: string): Promise<BrokerSession | null> {
    if (!FAMILY_ID.test(familyId)) {
      return null;
    }
    const family = await this.load(familyId);
    return family === null ? null : this.live(family);
  }

  /** The identity re-check's view of a login (the flows' SessionUpdater, keyed by family id). */
  async replaceIdentity(
    familyId: string,
    identity: Identity,
    options: { connectorData?: string | undefined } = {},
  ): Promise<BrokerSession | null> {
    return this.store.withLock(`oauth-family:${familyId}`, LOCK_MS, async () => {
      const family = await this.load(familyId);
      if (family === null) {
        return null;
      }
      const { connectorData: _previous, ...rest } = family.session;
      const session: BrokerSession = {
        ...rest,
        identity,
        ...(options.connectorData === undefined ? {} : { connectorData: options.connectorData }),
        identityCheckedAt: new Date(this.now()).toISOString(),
      };
      await this.save({ ...family, session });
      return session;
    });
  }

  /**
   * Ends the login stored under `key` (an entry of the user index) with all
   * its tokens, for an administrator's revocation: its session as it was, or
   * null when it had ended already or the key is not a login's.
   */
  async endStored(key: string): Promise<BrokerSession | null> {
    const familyId = key.startsWith('oauth-family:') ? key.slice('oauth-family:'.length) : '';
    if (!FAMILY_ID.test(familyId)) {
      return null;
    }
    return this.store.withLock(`oauth-family:${familyId}`, LOCK_MS, async () => {
      const family = await this.load(familyId);
      if (family === null) {
        return null;
      }
      await this.endFamily(family, 'revoked_by_admin');
      return family.session;
    });
  }

  /** Ends a login (its source no longer accepts the user); true when there was one. */
  async destroy(familyId: string): Promise<boolean> {
    if (!FAMILY_ID.test(familyId)) {
      return false;
    }
    return this.store.withLock(`oauth-family:${familyId}`, LOCK_MS, async () => {
      const family = await this.load(familyId);
      if (family === null) {
        return false;
      }
      await this.endFamily(family, 'ended');
      return true;
    });
  }

  private async endFamily(family: StoredFamily, outcome: string): Promise<void> {
    await this.store.delete(this.familyKey(family.familyId));
    await this.store.delete(this.seenKey(family.familyId));
    await this.store.delete(`oauth-access:${family.accessDigest}`);
    this.options.events?.({
      event: 'oauth_grant',
      outcome,
      client: family.clientId,
      connector: family.session.identity.connectorId,
      subject: family.session.identity.subject,
      family: family.familyId,
    });
  }

  /** A new access and refresh token for the family (the access record is written here). */
  private async newTokens(familyId: string, session: BrokerSession): Promise<TokenResponse> {
    const accessToken = newSecret('fga');
    const refreshToken = newSecret('fgr');
    const remainingMs = Date.parse(session.expiresAt) - this.now();
    const accessMs = Math.max(1000, Math.min(this.options.accessTokenSeconds * 1000, remainingMs));
    const access: StoredAccess = { familyId, expiresAt: this.now() + accessMs };
    await this.store.set(`oauth-access:${digest(accessToken)}`, JSON.stringify(access), accessMs);
    // Kept as long as a login can last, so a reused token is still recognized as this family's.
    await this.store.set(`oauth-refresh:${digest(refreshToken)}`, familyId, this.familyTtlMs());
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: Math.floor(accessMs / 1000),
      refresh_token: refreshToken,
    };
  }

  /**
   * The family's session when the login is still live: used within the idle
   * timeout (a key of its own with that TTL, rewritten at each use, so a
   * request never rewrites the family record a refresh may be rotating) and
   * before its absolute end. Null, and the family removed, otherwise.
   */
  private async live(family: StoredFamily): Promise<BrokerSession | null> {
    const now = this.now();
    const seen = await this.store.get(this.seenKey(family.familyId));
    if (seen === null || Date.parse(family.session.expiresAt) <= now) {
      await this.store.delete(this.familyKey(family.familyId));
      return null;
    }
    await this.touch(family.familyId, family.session);
    return family.session;
  }

  /** Restarts the idle timer. */
  private async touch(familyId: string, session: BrokerSession): Promise<void> {
    const remaining = Date.parse(session.expiresAt) - this.now();
    const ttl = Math.ceil(Math.min(this.options.timeouts.idleSeconds * 1000, remaining));
    if (ttl > 0) {
      await this.store.set(this.seenKey(familyId), new Date(this.now()).toISOString(), ttl);
    }
  }

  private async load(familyId: string): Promise<StoredFamily | null> {
    return parse(await this.store.get(this.familyKey(familyId))) as StoredFamily | null;
  }

  /** Writes the family record, kept until the login's absolute end; only under the family's lock or at issue. */
  private async save(family: StoredFamily): Promise<void> {
    const ttl = Date.parse(family.session.expiresAt) - this.now();
    if (ttl <= 0) {
      await this.store.delete(this.familyKey(family.familyId));
      return;
    }
    await this.store.set(this.familyKey(family.familyId), JSON.stringify(family), Math.ceil(ttl));
  }

  private familyKey(familyId: string): string {
    return `oauth-family:${familyId}`;
  }

  private seenKey(familyId: string): string {
    return `oauth-seen:${familyId}`;
  }

  private familyTtlMs(): number {
    return this.options.timeouts.absoluteSeconds * 1000;
  }
}

/** The token endpoint's answer to a revoked user: RFC 6749's invalid_grant, with revocation's message. */
function revokedGrant(error: unknown): unknown {
  return error instanceof FedgateError && error.code === 'access_revoked'
    ? new OAuthError('invalid_grant', error.message, { reason: 'access_revoked', phase: error.phase })
    : error;
}

/** A stored JSON record, or null; an unreadable one is an internal error (fail closed). */
function parse(text: string | null): unknown {
  if (text === null) {
    return null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new FedgateError('internal', 'A stored OAuth record is unreadable', { cause: error });
  }
}
