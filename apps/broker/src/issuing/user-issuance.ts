import { FedgateError, type Identity } from '@fedgate/core';
import type { FedgateConfig } from '@fedgate/config';
import {
  AssumeRoleIssuer,
  allowedConsoleDestination,
  type ConsoleSignin,
  type CredentialSourceKind,
  type Issuance,
  type IssuedCredentials,
} from '@fedgate/issuance';
import type { Logger } from '@fedgate/logging';
import { assertIssuable, evaluate, findEntitlement, type ResolvedEntitlement } from '@fedgate/mapping';

/** What a user asks for: one of their entitlements, optionally shorter than its maximum. */
export interface EntitlementRequest {
  accountId: string;
  permissionSet: string;
  durationSeconds?: number;
}

/** Where a request came from, for the audit trail (DESIGN §7: who, what, when, from where). */
export interface RequestOrigin {
  clientAddress: string | undefined;
}

/**
 * The broker's one path from a signed-in identity to credentials or a
 * console URL: the server-side entitlements decide, AWS's limits are checked
 * before any STS call, and every outcome is an audit event (DESIGN §7).
 * Plain class: the HTTP controllers only parse and answer.
 */
export class UserIssuance {
  constructor(
    private readonly config: FedgateConfig,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly issuance: Issuance,
    private readonly consoleSignin: ConsoleSignin,
  ) {}

  async credentials(
    identity: Identity,
    request: EntitlementRequest,
    origin: RequestOrigin,
  ): Promise<IssuedCredentials> {
    const audit = this.auditBase('issue_credentials', identity, request, origin);
    const entitlement = this.entitlementFor(identity, request, audit);
    const { credentials } = await this.issue(identity, entitlement, request.durationSeconds, audit);
    return credentials;
  }

  /** A console sign-in URL (a secret for 15 minutes: the caller must not log it). */
  async consoleUrl(
    identity: Identity,
    request: EntitlementRequest & { destination?: string },
    origin: RequestOrigin,
  ): Promise<string> {
    const audit = this.auditBase('console_signin', identity, request, origin);
    const entitlement = this.entitlementFor(identity, request, audit);
    // Checked before any STS call, so a bad destination changes nothing.
    let destination: string;
    try {
      destination = allowedConsoleDestination(
        entitlement.partition,
        request.destination,
        entitlement.consoleDestination,
      );
    } catch (error) {
      this.logger.info({ ...audit, outcome: 'bad_destination' }, 'audit');
      throw error;
    }
    const { credentials, auditIssued } = await this.issue(
      identity,
      entitlement,
      request.durationSeconds,
      audit,
    );
    const backend = this.config.backends.find((candidate) => candidate.id === entitlement.backendId);
    try {
      const url = await this.consoleSignin.signinUrl(credentials, {
        partition: entitlement.partition,
        ...(backend?.signinUrl === undefined ? {} : { signinUrl: backend.signinUrl }),
        destination,
        // A shorter session asked for shortens the console session too.
        sessionDurationSeconds: AssumeRoleIssuer.plannedDuration(entitlement, request.durationSeconds),
      });
      this.logger.info({ ...auditIssued, outcome: 'success', destination }, 'audit');
      return url;
    } catch (error) {
      this.logger.info({ ...auditIssued, outcome: 'failure', error: errorCode(error) }, 'audit');
      throw error;
    }
  }

  private auditBase(
    event: string,
    identity: Identity,
    request: EntitlementRequest,
    origin: RequestOrigin,
  ): Record<string, unknown> {
    return {
      event,
      clientAddress: origin.clientAddress,
      connector: identity.connectorId,
      subject: identity.subject,
      account: request.accountId,
      permissionSet: request.permissionSet,
    };
  }

  /** The entitlement the request names, checked against AWS's limits; throws (and audits) otherwise. */
  private entitlementFor(
    identity: Identity,
    request: EntitlementRequest,
    audit: Record<string, unknown>,
  ): ResolvedEntitlement {
    const entitlement = findEntitlement(
      evaluate(identity, this.config, { now: new Date(this.now()) }).entitlements,
      request.accountId,
      request.permissionSet,
    );
    if (!entitlement) {
      this.logger.info({ ...audit, outcome: 'not_entitled' }, 'audit');
      throw new FedgateError(
        'not_entitled',
        `You are not entitled to permission set "${request.permissionSet}" in account "${request.accountId}"`,
      );
    }
    try {
      // Nothing is dropped to make a request fit: over a limit, nothing is issued.
      assertIssuable(entitlement, identity);
    } catch (error) {
      this.logger.info({ ...audit, outcome: 'over_limit', limits: entitlement.violations }, 'audit');
      throw error;
    }
    return entitlement;
  }

  private async issue(
    identity: Identity,
    entitlement: ResolvedEntitlement,
    requestedSeconds: number | undefined,
    audit: Record<string, unknown>,
  ): Promise<{
    credentials: IssuedCredentials;
    source: CredentialSourceKind;
    auditIssued: Record<string, unknown>;
  }> {
    const auditIssued = {
      ...audit,
      account: entitlement.accountId,
      mode: entitlement.mode,
      // GetFederationToken has a Name and no role, SourceIdentity or session name.
      ...(entitlement.mode === 'federation-token'
        ? { federatedUser: entitlement.federatedUserName }
        : {
            roleArn: entitlement.roleArn,
            sourceIdentity: entitlement.sourceIdentity,
            roleSessionName: entitlement.roleSessionName,
          }),
      tags: entitlement.sessionTags,
    };
    try {
      const result = await this.issuance.credentials(identity, entitlement, requestedSeconds);
      this.logger.info(
        {
          ...auditIssued,
          event: 'issue_credentials',
          outcome: 'success',
          source: result.source,
          // Not secrets: what CloudTrail shows, so the two trails can be joined.
          accessKeyId: result.credentials.accessKeyId,
          sessionArn: result.credentials.assumedRoleArn,
          webIdentityToken: result.credentials.webIdentityToken,
          expiration: result.credentials.expiration.toISOString(),
        },
        'audit',
      );
      return { ...result, auditIssued };
    } catch (error) {
      this.logger.info(
        { ...auditIssued, event: 'issue_credentials', outcome: 'failure', error: errorCode(error) },
        'audit',
      );
      throw error;
    }
  }
}

function errorCode(error: unknown): string {
  return error instanceof FedgateError ? error.code : error instanceof Error ? error.name : 'unknown';
}
