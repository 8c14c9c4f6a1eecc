import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { BrokerSession } from '@fedgate/sessions';

/** Where SessionGuard leaves the session it found. */
export interface RequestWithSession extends FastifyRequest {
  fedgateSession?: { token: string; session: BrokerSession };
}

/** The session SessionGuard attached to the request. */
export const CurrentSession = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<RequestWithSession>();
  if (!request.fedgateSession) {
    throw new Error('CurrentSession used on a route without SessionGuard');
  }
  return request.fedgateSession;
});
