import { FedgateError, type Identity } from '@fedgate/core';
import { evaluate, isAdmin, type AdminsConfig, type MappingConfig } from '@fedgate/mapping';
import { isIssuedEntry, issuedOf, type RevocationRecord } from '@fedgate/sessions';
import { z } from 'zod';
import type { AuditTrail } from '../audit';

/** The longest block an administrator may set: a week. */
export const MAX_BLOCK_SECONDS = 604_800;
const MAX_REASON_LENGTH = 200;
const MAX_USER_LENGTH = 256;

const revokeRequestSchema = z.strictObject({
  user: z.string().trim().min(1, 'user must name a subject or username').max(MAX_USER_LENGTH),
  connector: z.string().min(1).optional(),
  blockSeconds: z.number().int().min(0).max(MAX_BLOCK_SECONDS).optional(),
  reason: z.string().max(MAX_REASON_LENGTH).optional(),
});

/** `POST /api/v1/admin/revoke`'s answer (docs/operations/revocation.md). */
export interface RevokeUserResult {
  user: string;
  sessionsEnded: number;
  tokensRevoked: number;
  cachedCredentialsPurged: number;
  /** The revocation instant, ISO 8601 UTC: whatever the user held from before it is void. */
  issuedBefore: string;
  blockedUntil: string | null;
  /**
   * The roles of AWS credentials issued to the user that may still be valid,
   * and those the ended sessions and logins were entitled to: for denying
   * older AWS sessions on them.
   */
  roles: string[];
  /** The SourceIdentity values of those credentials and entitlements (one per connector the user is known in). */
  sourceIdentities: string[];
}

/** Something the user index points at, ended by its owner; null when there was nothing left to end. */
type EndStored<T> = (storeKey: string) => Promise<T | null>;

/** What the revoke flow uses, and nothing more. */
export interface RevokeUserDependencies {
  /** The mapping and admins in force, read on every request (a config reload swaps them). */
  config: () => MappingConfig & { admins: AdminsConfig };
  /** The connectors a user may have signed in with; a revocation without `connector` covers them all. */
  connectorIds: () => readonly string[];
  index: {
    entries(connectorId: string, name: string): Promise<string[]>;
    forget(connectorId: string, name: string, storeKey: string): Promise<void>;
  };
  revocations: { revoke(connectorId: string, name: string, blockSeconds: number): Promise<RevocationRecord> };
  /** Portal and API sessions (libs/sessions). */
  sessions: { endStored: EndStored<{ identity: Identity }> };
  /** OAuth and AWS SSO logins with their tokens, unexchanged codes, approved device requests (libs/oauth). */
  logins: { endStored: EndStored<{ identity: Identity }> };
  /** The credential cache (libs/issuance); absent when the cache is off. */
  credentials?: { purgeStored(storeKey: string): Promise<boolean> };
  audit: AuditTrail;
  now: () => number;
}

/**
 * An administrator's revocation of one user: ends their sessions and OAuth
 * logins on every replica, purges their cached credentials and may block
 * them for a while (docs/operations/revocation.md). The record is written
 * before the index is read, and every writer checks the record after it
 * indexes, so nothing begun before the revocation survives it. Every
 * outcome is an `admin_revoke` audit event; never a token.
 */
export class RevokeUser {
  constructor(private readonly deps: RevokeUserDependencies) {}

  async revoke(caller: Identity, body: unknown): Promise<RevokeUserResult> {
    const config = this.deps.config();
    const audit = { event: 'admin_revoke', connector: caller.connectorId, subject: caller.subject };
    if (!isAdmin(caller, config.admins)) {
      this.deps.audit.record({ ...audit, outcome: 'not_entitled' });
      throw new FedgateError('not_entitled', 'Only administrators may revoke a user', {
        phase: 'admin.authorization',
      });
    }
    const parsed = revokeRequestSchema.safeParse(body ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`,
      );
      this.deps.audit.record({ ...audit, outcome: 'invalid_request' });
      throw new FedgateError('invalid_request', `Invalid revocation: ${problems.join('; ')}`);
    }
    const request = parsed.data;
    const known = this.deps.connectorIds();
    if (request.connector !== undefined && !known.includes(request.connector)) {
      this.deps.audit.record({ ...audit, outcome: 'invalid_request', target: { user: request.user } });
      throw new FedgateError(
        'invalid_request',
        `Invalid revocation: no connector is called "${request.connector}"`,
      );
    }
    const connectorIds = request.connector === undefined ? known : [request.connector];
    const blockSeconds = request.blockSeconds ?? 0;
    const target = {
      user: request.user,
      ...(request.connector === undefined ? {} : { connector: request.connector }),
    };
    try {
      const result = await this.revokeIn(connectorIds, request.user, blockSeconds, config);
      this.deps.audit.record({
        ...audit,
        outcome: 'success',
        target,
        ...(request.reason === undefined ? {} : { reason: request.reason }),
        sessionsEnded: result.sessionsEnded,
        tokensRevoked: result.tokensRevoked,
        cachedCredentialsPurged: result.cachedCredentialsPurged,
        issuedBefore: result.issuedBefore,
        blockedUntil: result.blockedUntil,
      });
      return result;
    } catch (error) {
      this.deps.audit.record({
        ...audit,
        outcome: 'error',
        target,
        ...(error instanceof FedgateError ? { error: error.code } : {}),
      });
      throw error;
    }
  }

  private async revokeIn(
    connectorIds: readonly string[],
    user: string,
    blockSeconds: number,
    config: MappingConfig,
  ): Promise<RevokeUserResult> {
    let record: RevocationRecord = { issuedBefore: this.deps.now(), blockedUntil: null };
    // Records first, for every connector: from here on, any writer that indexes after our read below sees them.
    for (const connectorId of connectorIds) {
      record = await this.deps.revocations.revoke(connectorId, user, blockSeconds);
    }
    const ended: Identity[] = [];
    const issued: string[] = [];
    const counts = { sessionsEnded: 0, tokensRevoked: 0, cachedCredentialsPurged: 0 };
    for (const connectorId of connectorIds) {
      for (const key of await this.deps.index.entries(connectorId, user)) {
        // Credentials issued stay valid at AWS until they expire: their record stays as long.
        if (isIssuedEntry(key)) {
          issued.push(key);
          continue;
        }
        const outcome = await this.end(key);
        if (outcome !== null) {
          counts[outcome.counter] += 1;
          if (outcome.identity !== undefined) {
            ended.push(outcome.identity);
          }
        }
        await this.deps.index.forget(connectorId, user, key);
      }
    }
    return {
      user,
      ...counts,
      issuedBefore: new Date(record.issuedBefore).toISOString(),
      blockedUntil: record.blockedUntil === null ? null : new Date(record.blockedUntil).toISOString(),
      ...this.awsSideOf(ended, issued, config),
    };
  }

  /** Ends one indexed entry through its owner, by the kind of key it is. */
  private async end(key: string): Promise<{
    counter: 'sessionsEnded' | 'tokensRevoked' | 'cachedCredentialsPurged';
    identity?: Identity;
  } | null> {
    if (key.startsWith('session:')) {
      const session = await this.deps.sessions.endStored(key);
      return session === null ? null : { counter: 'sessionsEnded', identity: session.identity };
    }
    if (key.startsWith('oauth-')) {
      const login = await this.deps.logins.endStored(key);
      return login === null ? null : { counter: 'tokensRevoked', identity: login.identity };
    }
    if (this.deps.credentials !== undefined && (await this.deps.credentials.purgeStored(key))) {
      return { counter: 'cachedCredentialsPurged' };
    }
    return null;
  }

  /**
   * The roles and SourceIdentity values of the credentials recorded as issued
   * to the user, and of the role entitlements of the ended sessions'
   * identities under the mapping in force (credentials issued before records
   * were kept), once each.
   */
  private awsSideOf(
    identities: readonly Identity[],
    issuedEntries: readonly string[],
    config: MappingConfig,
  ): { roles: string[]; sourceIdentities: string[] } {
    const issued = issuedOf(issuedEntries);
    const roles = new Set(issued.roles);
    const sourceIdentities = new Set(issued.sourceIdentities);
    const now = new Date(this.deps.now());
    for (const identity of identities) {
      for (const entitlement of evaluate(identity, config, { now }).entitlements) {
        if (entitlement.roleArn !== '' && entitlement.mode !== 'federation-token') {
          roles.add(entitlement.roleArn);
          sourceIdentities.add(entitlement.sourceIdentity);
        }
      }
    }
    return { roles: [...roles].sort(), sourceIdentities: [...sourceIdentities].sort() };
  }
}
