import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { FedgateError } from '@fedgate/core';
import type { Logger } from '@fedgate/logging';
import { evaluate, isAdmin, parseIdentity, type Evaluation } from '@fedgate/mapping';
import type { BrokerSession } from '@fedgate/sessions';
import { CurrentSession } from '../http/request-session';
import { SessionGuard } from '../http/session.guard';
import {
  BROKER_CLOCK,
  BROKER_CONFIG,
  BROKER_LOGGER,
  type BrokerClock,
  type BrokerConfigRef,
} from '../tokens';

/** Endpoints for the administrators the config names (`admins`). Same session and CSRF rules as /api/v1. */
@Controller('api/v1/admin')
@UseGuards(SessionGuard)
export class AdminController {
  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfigRef,
    @Inject(BROKER_LOGGER) private readonly logger: Logger,
    @Inject(BROKER_CLOCK) private readonly now: BrokerClock,
  ) {}

  /**
   * Explains what an arbitrary identity (the body, an Identity as docs/architecture.md describes it)
   * would get: `{entitlements, trace, decisions}`. Admins only: anyone else
   * gets 403 not_entitled, before the body is even read.
   */
  @Post('explain')
  @HttpCode(200)
  explain(@CurrentSession() current: { session: BrokerSession }, @Body() body: unknown): Evaluation {
    const caller = current.session.identity;
    const audit = { event: 'admin_explain', connector: caller.connectorId, subject: caller.subject };
    if (!isAdmin(caller, this.config.admins)) {
      this.logger.info({ ...audit, outcome: 'not_entitled' }, 'audit');
      throw new FedgateError('not_entitled', 'Only administrators may explain the mapping');
    }
    const parsed = parseIdentity(body ?? {});
    if (!parsed.ok) {
      throw new FedgateError('invalid_request', `Invalid identity: ${parsed.problems.join('; ')}`);
    }
    this.logger.info(
      {
        ...audit,
        outcome: 'success',
        explained: { connector: parsed.identity.connectorId, subject: parsed.identity.subject },
      },
      'audit',
    );
    return evaluate(parsed.identity, this.config, { now: new Date(this.now()) });
  }
}
