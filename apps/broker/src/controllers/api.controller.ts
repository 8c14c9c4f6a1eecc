import { Body, Controller, Get, HttpCode, Inject, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { FedgateError } from '@fedgate/core';
import { AssumeRoleIssuer, toCredentialProcess, type CredentialProcessOutput } from '@fedgate/issuance';
import type { Logger } from '@fedgate/logging';
import { assertIssuable, evaluate, findEntitlement } from '@fedgate/mapping';
import type { BrokerSession } from '@fedgate/sessions';
import { parseBody } from '../http/parse-body';
import { CurrentSession } from '../http/request-session';
import { SessionGuard } from '../http/session.guard';
import {
  BROKER_CLOCK,
  BROKER_CONFIG,
  BROKER_LOGGER,
  type BrokerClock,
  type BrokerConfigRef,
} from '../tokens';
import { describeUser } from './user-view';

const credentialsBody = z.strictObject({
  accountId: z.string().min(1, 'is required').max(64, 'is too long'),
  permissionSet: z.string().min(1, 'is required').max(64, 'is too long'),
  durationSeconds: z.number().int('must be a whole number of seconds').min(900).max(43200).optional(),
});

/** The signed-in user's view: who they are, what they may use, and credentials for it. */
@Controller('api/v1')
@UseGuards(SessionGuard)
export class ApiController {
  constructor(
    @Inject(AssumeRoleIssuer) private readonly issuer: AssumeRoleIssuer,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfigRef,
    @Inject(BROKER_LOGGER) private readonly logger: Logger,
    @Inject(BROKER_CLOCK) private readonly now: BrokerClock,
  ) {}

  @Get('me')
  me(@CurrentSession() current: { session: BrokerSession }): Record<string, unknown> {
    return { ...describeUser(current.session), csrfToken: current.session.csrfToken };
  }

  @Get('entitlements')
  entitlements(@CurrentSession() current: { session: BrokerSession }): {
    entitlements: Record<string, unknown>[];
  } {
    const { entitlements } = evaluate(current.session.identity, this.config, { now: new Date(this.now()) });
    return {
      entitlements: entitlements.map((entitlement) => ({
        accountId: entitlement.accountId,
        accountName: entitlement.accountName,
        permissionSet: entitlement.permissionSet,
        description: entitlement.description,
        roleArn: entitlement.roleArn,
        sessionDurationSeconds: entitlement.sessionDurationSeconds,
      })),
    };
  }

  @Post('credentials')
  @HttpCode(200)
  async credentials(
    @CurrentSession() current: { session: BrokerSession },
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CredentialProcessOutput> {
    const request = parseBody(credentialsBody, body);
    const { identity } = current.session;
    // The server-side entitlements decide; nothing reaches STS unless they allow it.
    const entitlement = findEntitlement(
      evaluate(identity, this.config, { now: new Date(this.now()) }).entitlements,
      request.accountId,
      request.permissionSet,
    );
    const audit = {
      event: 'issue_credentials',
      connector: identity.connectorId,
      subject: identity.subject,
      account: request.accountId,
      permissionSet: request.permissionSet,
    };
    if (!entitlement) {
      this.logger.info({ ...audit, outcome: 'not_entitled' }, 'audit');
      throw new FedgateError(
        'not_entitled',
        `You are not entitled to permission set "${request.permissionSet}" in account "${request.accountId}"`,
      );
    }
    if (entitlement.mode !== 'assume-role') {
      // The issuer speaks AssumeRole only so far; never hand a federation-token set to it.
      this.logger.info({ ...audit, outcome: 'unsupported_mode' }, 'audit');
      throw new FedgateError(
        'unsupported_operation',
        `Permission set "${entitlement.permissionSet}" uses GetFederationToken, which this broker cannot issue yet`,
      );
    }
    try {
      // AWS's limits are checked before any STS call; nothing is dropped to make a request fit.
      assertIssuable(entitlement, identity);
    } catch (error) {
      this.logger.info({ ...audit, outcome: 'over_limit', limits: entitlement.violations }, 'audit');
      throw error;
    }
    const auditIssued = {
      ...audit,
      account: entitlement.accountId,
      roleArn: entitlement.roleArn,
      sourceIdentity: entitlement.sourceIdentity,
      roleSessionName: entitlement.roleSessionName,
      tags: entitlement.sessionTags,
    };
    try {
      const issued = await this.issuer.issue(entitlement, request.durationSeconds);
      this.logger.info(
        { ...auditIssued, outcome: 'success', expiration: issued.expiration.toISOString() },
        'audit',
      );
      response.setHeader('Cache-Control', 'no-store');
      response.setHeader('Pragma', 'no-cache');
      return toCredentialProcess(issued);
    } catch (error) {
      this.logger.info({ ...auditIssued, outcome: 'failure', error: (error as Error).name }, 'audit');
      throw error;
    }
  }
}
