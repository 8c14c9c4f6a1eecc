import type { Identity } from '@fedgate/core';
import {
  allowedConsoleDestination,
  type ConsoleSignin,
  type CredentialSourceKind,
  type CredentialsLookup,
  type Issuance,
  type IssuedCredentials,
} from '@fedgate/issuance';
import { planIssueMemoized, type IssuePlan, type IssuePlanning, type MappingConfig } from '@fedgate/mapping';
import { failureOf, type AuditTrail } from '../audit';

/** What a user asks for: one of their entitlements, optionally shorter than its maximum. */
export interface CredentialsRequest {
  /** The account's id or name. */
  accountId: string;
  permissionSet: string;
  durationSeconds?: number;
}

/** A console sign-in: an entitlement, and where the console should open. */
export interface ConsoleRequest extends CredentialsRequest {
  destination?: string;
}

/** Where a request came from, for the audit trail. */
export interface RequestOrigin {
  clientAddress: string | undefined;
}

/** Who asked for what, from where: the fields every audit event of one request shares. */
interface AuditBase {
  event: string;
  clientAddress: string | undefined;
  connector: string;
  subject: string;
  account: string;
  permissionSet: string;
  [field: string]: unknown;
}

/** What the credentials flow uses, and nothing more. */
export interface CredentialsFlowDependencies {
  /**
   * The mapping in force, read on every request: a config reload swaps what it
   * returns, and the next request plans from the new one.
   */
  config: () => MappingConfig;
  /** With `lookup`, a plan's cache read leaves for the store together with the rate limit's count. */
  issuance: Pick<Issuance, 'credentials'> & Partial<Pick<Issuance, 'lookup'>>;
  consoleSignin: Pick<ConsoleSignin, 'signinUrl'>;
  audit: AuditTrail;
  /** Counts every request against its user's and client's limits (docs/configuration.md, issuanceRateLimit). */
  rateLimit?: { take(user: Identity, clientAddress: string | undefined): Promise<void> };
  /** The clock auth ages are measured with (milliseconds). */
  now: () => number;
}

/**
 * The one path from a signed-in identity to credentials or a console URL:
 * the mapping plans the request from the server-side entitlements (not
 * entitled, or over an AWS limit: nothing is sent to STS), issuance
 * executes the plan, and every outcome is an audit event with who, what,
 * from where and, for failures, the failed phase. A console request's
 * destination is checked before any STS call. Nothing secret is audited:
 * the access key id and session ARN are what CloudTrail shows.
 *
 * The rate limit is checked first, and its refusal is the one audited; the
 * plan's cache read is sent in the same turn, so both reach the store in one
 * write (admit), and it is served only once the limit passed.
 */
export class CredentialsFlow {
  constructor(private readonly deps: CredentialsFlowDependencies) {}

  /** Credentials for one of the identity's entitlements (the caller must not log them). */
  async credentials(
    identity: Identity,
    request: CredentialsRequest,
    origin: RequestOrigin,
  ): Promise<IssuedCredentials> {
    const audit = auditBase('issue_credentials', identity, request, origin);
    const { plan, lookup } = await this.admit(identity, request, origin, audit);
    const { credentials } = await this.issue(identity, plan, audit, lookup);
    return credentials;
  }

  /** A console sign-in URL: a secret for 15 minutes, which the caller must not log. */
  async consoleUrl(identity: Identity, request: ConsoleRequest, origin: RequestOrigin): Promise<string> {
    const audit = auditBase('console_signin', identity, request, origin);
    const { plan, lookup } = await this.admit(identity, request, origin, audit);
    // Checked before any STS call, so a bad destination changes nothing.
    let destination: string;
    try {
      destination = allowedConsoleDestination(plan.partition, request.destination, plan.consoleDestination);
    } catch (error) {
      this.deps.audit.record({ ...audit, outcome: 'bad_destination', ...failureOf(error) });
      throw error;
    }
    const { credentials } = await this.issue(identity, plan, audit, lookup);
    const issued = issuedBase(audit, plan, audit.event);
    try {
      const url = await this.deps.consoleSignin.signinUrl(credentials, {
        partition: plan.partition,
        ...(plan.signinUrl === undefined ? {} : { signinUrl: plan.signinUrl }),
        destination,
        // The plan's length, a requested shorter one included, bounds the console session too.
        sessionDurationSeconds: plan.duration.seconds,
      });
      this.deps.audit.record({ ...issued, outcome: 'success', destination });
      return url;
    } catch (error) {
      this.deps.audit.record({ ...issued, outcome: 'failure', ...failureOf(error) });
      throw error;
    }
  }

  /**
   * The request counted against its limits, then planned, each refusal audited and thrown, the
   * limit's first, as if planned after it: planning is pure, and its refusals are audited only
   * once the limit passed. In the same turn, right after the rate limit's store command, the
   * plan's cache read is started (Issuance.lookup), so the two leave for the store in one write:
   * one round trip instead of two on a Redis cache hit. issue() serves that read; when the limit
   * or the plan refuses, it is dropped unserved.
   */
  private async admit(
    identity: Identity,
    request: CredentialsRequest,
    origin: RequestOrigin,
    audit: AuditBase,
  ): Promise<{ plan: IssuePlan; lookup: CredentialsLookup | undefined }> {
    const planning = this.planning(identity, request);
    const limited = this.limit(identity, origin, audit);
    const lookup = planning.kind === 'plan' ? this.lookup(planning.plan, identity) : undefined;
    await limited;
    return { plan: this.plan(planning, audit), lookup };
  }

  /**
   * The plan's cache read, started now, or none: a lookup that fails (no cache key for the
   * plan) leaves issue() to meet the same failure, audited there as before.
   */
  private lookup(plan: IssuePlan, identity: Identity): CredentialsLookup | undefined {
    try {
      return this.deps.issuance.lookup?.(plan, identity);
    } catch {
      return undefined;
    }
  }

  /** The request counted against its limits, or the refusal (rate_limited, store_unavailable), audited and thrown. */
  private async limit(identity: Identity, origin: RequestOrigin, audit: AuditBase): Promise<void> {
    try {
      await this.deps.rateLimit?.take(identity, origin.clientAddress);
    } catch (error) {
      const refusal = failureOf(error);
      this.deps.audit.record({
        ...audit,
        outcome: refusal.error === 'rate_limited' ? 'rate_limited' : 'error',
        ...refusal,
      });
      throw error;
    }
  }

  /** What the mapping makes of the request, audited by plan(); a planning error is kept for plan() to throw. */
  private planning(identity: Identity, request: CredentialsRequest): Planning {
    try {
      // Memoized per (config object, session identity object): docs/benchmarks.md.
      return planIssueMemoized(
        identity,
        this.deps.config(),
        {
          account: request.accountId,
          permissionSet: request.permissionSet,
          ...(request.durationSeconds === undefined ? {} : { requestedSeconds: request.durationSeconds }),
        },
        { now: new Date(this.deps.now()) },
      );
    } catch (error) {
      return { kind: 'thrown', error };
    }
  }

  /** The plan the request names, or the refusal, audited and thrown. */
  private plan(planning: Planning, audit: AuditBase): IssuePlan {
    switch (planning.kind) {
      case 'plan':
        return planning.plan;
      case 'thrown':
        throw planning.error;
      case 'not_entitled':
        this.deps.audit.record({ ...audit, outcome: 'not_entitled', ...failureOf(planning.error) });
        throw planning.error;
      case 'over_limit':
        this.deps.audit.record({
          ...audit,
          outcome: 'over_limit',
          limits: planning.violations,
          ...failureOf(planning.error),
        });
        throw planning.error;
    }
  }

  /** Executes the plan and audits the issuance. */
  private async issue(
    identity: Identity,
    plan: IssuePlan,
    audit: AuditBase,
    lookup: CredentialsLookup | undefined,
  ): Promise<{ credentials: IssuedCredentials; source: CredentialSourceKind }> {
    try {
      const result = await (lookup === undefined
        ? this.deps.issuance.credentials(plan, identity)
        : this.deps.issuance.credentials(plan, identity, lookup));
      // Field by field on a literal, not spread: a spread that overwrites keys makes a slow
      // dictionary object, and this runs on every cache hit (docs/benchmarks.md).
      this.deps.audit.record(
        Object.assign(issuedBase(audit, plan, 'issue_credentials'), {
          outcome: 'success',
          source: result.source,
          // Not secrets: what CloudTrail shows, so the two trails can be joined.
          accessKeyId: result.credentials.accessKeyId,
          sessionArn: result.credentials.assumedRoleArn,
          webIdentityToken: result.credentials.webIdentityToken,
          expiration: result.credentials.expiration.toISOString(),
        }),
      );
      return result;
    } catch (error) {
      this.deps.audit.record({
        ...issuedBase(audit, plan, 'issue_credentials'),
        outcome: 'failure',
        ...failureOf(error),
      });
      throw error;
    }
  }
}

/** A planning, or the error planning threw, kept to be thrown after the rate limit as before. */
type Planning = IssuePlanning | { kind: 'thrown'; error: unknown };

function auditBase(
  event: string,
  identity: Identity,
  request: CredentialsRequest,
  origin: RequestOrigin,
): AuditBase {
  return {
    event,
    clientAddress: origin.clientAddress,
    connector: identity.connectorId,
    subject: identity.subject,
    account: request.accountId,
    permissionSet: request.permissionSet,
  };
}

/**
 * Who asked, and the session the plan asks for, as audit shows it (GetFederationToken has a
 * Name and no role): the request's fields with the plan's account id, then the mode's.
 */
function issuedBase(audit: AuditBase, plan: IssuePlan, event: string): AuditBase {
  const { clientAddress, connector, subject, permissionSet } = audit;
  return plan.mode === 'federation-token'
    ? {
        event,
        clientAddress,
        connector,
        subject,
        account: plan.accountId,
        permissionSet,
        mode: plan.mode,
        federatedUser: plan.federatedUserName,
        tags: plan.sessionTags,
      }
    : {
        event,
        clientAddress,
        connector,
        subject,
        account: plan.accountId,
        permissionSet,
        mode: plan.mode,
        roleArn: plan.roleArn,
        sourceIdentity: plan.sourceIdentity,
        roleSessionName: plan.roleSessionName,
        tags: plan.sessionTags,
      };
}
