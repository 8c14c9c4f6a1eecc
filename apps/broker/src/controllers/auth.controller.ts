import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { FedgateError } from '@fedgate/core';
import { ConnectorCatalog, isPasswordConnector, isRedirectConnector } from '@fedgate/connectors';
import type { Logger } from '@fedgate/logging';
import { SessionManager } from '@fedgate/sessions';
import { LoginThrottle } from '@fedgate/throttling';
import { assertSameOrigin } from '../http/origin-check';
import { parseBody } from '../http/parse-body';
import { CurrentSession } from '../http/request-session';
import { SessionCookie } from '../http/session-cookie';
import { SessionGuard } from '../http/session.guard';
import { BROKER_CONFIG, BROKER_LOGGER, type BrokerConfigRef } from '../tokens';
import { describeUser } from './user-view';

const loginBody = z.strictObject({
  username: z.string().min(1, 'is required').max(256, 'is too long'),
  password: z.string().min(1, 'is required').max(1024, 'is too long'),
});

/** Sign-in and sign-out (DESIGN §4). */
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(ConnectorCatalog) private readonly connectors: ConnectorCatalog,
    @Inject(SessionManager) private readonly sessions: SessionManager,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
    @Inject(SessionCookie) private readonly cookie: SessionCookie,
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfigRef,
    @Inject(BROKER_LOGGER) private readonly logger: Logger,
  ) {}

  @Get('connectors')
  list(): { connectors: { id: string; type: string; name: string; kind: 'password' | 'redirect' }[] } {
    return {
      connectors: this.connectors.list().map((connector) => ({
        id: connector.id,
        type: connector.type,
        name: connector.displayName,
        kind: isPasswordConnector(connector) ? 'password' : 'redirect',
      })),
    };
  }

  @Post(':connector/login')
  @HttpCode(200)
  async login(
    @Param('connector') connectorId: string,
    @Body() body: unknown,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Record<string, unknown>> {
    assertSameOrigin(request, this.config.server.publicUrl);
    const connector = this.connectors.get(connectorId);
    if (!connector) {
      throw new FedgateError('unknown_connector', `No connector with id "${connectorId}"`);
    }
    if (!isPasswordConnector(connector)) {
      throw new FedgateError(
        'unsupported_operation',
        `Connector "${connectorId}" signs in by redirect: use GET /auth/${connectorId}/login`,
      );
    }
    const { username, password } = parseBody(loginBody, body);
    const clientAddress = request.ip ?? '';
    const audit = { event: 'login', connector: connector.id, username, clientAddress };
    // Throttled before the directory is asked, so guessing cannot lock real accounts out there.
    try {
      await this.throttle.check(connector.id, username, clientAddress);
    } catch (error) {
      this.logger.info({ ...audit, outcome: 'throttled' }, 'audit');
      throw error;
    }
    const result = await connector.login(username, password, { clientAddress });
    if (result.kind === 'invalid_credentials') {
      await this.throttle.recordFailure(connector.id, username, clientAddress);
      this.logger.info({ ...audit, outcome: 'failure', reason: result.reason }, 'audit');
      throw new FedgateError('invalid_credentials', 'Invalid username or password');
    }
    await this.throttle.recordSuccess(connector.id, username);
    // A login always starts a fresh session: drop the one the browser had, if any.
    const previous = (request.cookies as Record<string, unknown> | undefined)?.[this.cookie.name];
    if (typeof previous === 'string') {
      await this.sessions.destroy(previous);
    }
    const { token, session } = await this.sessions.create(result.identity);
    response.cookie(this.cookie.name, token, this.cookie.options);
    this.logger.info({ ...audit, subject: result.identity.subject, outcome: 'success' }, 'audit');
    return { user: describeUser(session), csrfToken: session.csrfToken };
  }

  @Post('logout')
  @HttpCode(204)
  @UseGuards(SessionGuard)
  async logout(
    @CurrentSession() current: { token: string },
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    await this.sessions.destroy(current.token);
    response.clearCookie(this.cookie.name, this.cookie.options);
  }

  /** Redirect connectors arrive with their own issues; say so instead of a bare 404. */
  @Get(':connector/login')
  begin(@Param('connector') connectorId: string): never {
    const connector = this.connectors.get(connectorId);
    if (!connector) {
      throw new FedgateError('unknown_connector', `No connector with id "${connectorId}"`);
    }
    if (!isRedirectConnector(connector)) {
      throw new FedgateError(
        'unsupported_operation',
        `Connector "${connectorId}" takes a password: POST /auth/${connectorId}/login`,
      );
    }
    throw new FedgateError('unsupported_operation', 'Redirect sign-in is not available yet');
  }
}
