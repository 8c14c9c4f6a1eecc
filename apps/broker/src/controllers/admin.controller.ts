import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ExplainFlow } from '@fedgate/flows';
import type { Evaluation } from '@fedgate/mapping';
import type { BrokerSession } from '@fedgate/sessions';
import { CurrentSession } from '../http/request-session';
import { SessionGuard } from '../http/session.guard';

/** Endpoints for the administrators the config names (`admins`). Same session and CSRF rules as /api/v1. */
@Controller('api/v1/admin')
@UseGuards(SessionGuard)
export class AdminController {
  constructor(@Inject(ExplainFlow) private readonly explainFlow: ExplainFlow) {}

  /**
   * Explains what an arbitrary identity (the body, an Identity as
   * docs/architecture.md describes it) would get: `{entitlements, trace,
   * decisions}`. Admins only: anyone else gets 403 not_entitled, before the
   * body is even read.
   */
  @Post('explain')
  @HttpCode(200)
  explain(@CurrentSession() current: { session: BrokerSession }, @Body() body: unknown): Evaluation {
    return this.explainFlow.explain(current.session.identity, body);
  }
}
