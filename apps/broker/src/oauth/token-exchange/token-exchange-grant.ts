import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TokenExchangeFlow, tokenExchangeAnswer } from '@fedgate/flows';
import type { Logger } from '@fedgate/logging';
import {
  parseTokenExchangeRequest,
  TOKEN_EXCHANGE_GRANT,
  tokenExchangeErrorAnswer,
  type TokenExchangeParams,
  type TokenExchangeRequest,
} from '@fedgate/token-exchange';
import { BROKER_CLOCK, BROKER_LOGGER, type BrokerClock } from '../../tokens';
import { oauthNoStore } from '../oauth-reply';

/**
 * The token-exchange grant (RFC 8693) of `POST /oauth/token`: the token
 * controller hands it the form when `grant_type` is
 * `urn:ietf:params:oauth:grant-type:token-exchange`. HTTP only: the
 * parameters are read by @fedgate/token-exchange and the exchange is
 * TokenExchangeFlow's. Answers are never cached, and a refusal carries
 * RFC 6749's `error` and fedgate's own `fedgate_error` code.
 */
@Injectable()
export class TokenExchangeGrant {
  static readonly grantType = TOKEN_EXCHANGE_GRANT;

  constructor(
    @Inject(TokenExchangeFlow) private readonly flow: TokenExchangeFlow,
    @Inject(BROKER_LOGGER) private readonly logger: Logger,
    @Inject(BROKER_CLOCK) private readonly now: BrokerClock,
  ) {}

  async answer(params: TokenExchangeParams, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      const exchange = this.parse(params, request);
      const result = await this.flow.exchange(exchange, { clientAddress: request.ip });
      void oauthNoStore(reply)
        .status(200)
        .header('Referrer-Policy', 'no-referrer')
        .send(tokenExchangeAnswer(result, this.now()));
    } catch (error) {
      const refused = tokenExchangeErrorAnswer(error);
      if (refused.body.fedgate_error === 'server_error') {
        this.logger.error(
          { endpoint: 'token', grant: 'token-exchange', err: error },
          'token exchange failed',
        );
      }
      if (refused.retryAfterSeconds !== undefined) {
        reply.header('Retry-After', String(refused.retryAfterSeconds));
      }
      void oauthNoStore(reply)
        .status(refused.status)
        .header('Content-Type', 'application/json; charset=utf-8')
        .send(JSON.stringify(refused.body));
    }
  }

  /** The request's parameters; a malformed request is audited too (the flow audits the rest). */
  private parse(params: TokenExchangeParams, request: FastifyRequest): TokenExchangeRequest {
    try {
      return parseTokenExchangeRequest(params, request.headers.authorization);
    } catch (error) {
      this.flow.recordMalformed(params.client_id, error, { clientAddress: request.ip });
      throw error;
    }
  }
}
