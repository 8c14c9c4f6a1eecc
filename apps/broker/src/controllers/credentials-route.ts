import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CredentialsFlow } from '@fedgate/flows';
import { toCredentialProcess } from '@fedgate/issuance';
import type { Logger } from '@fedgate/logging';
import { PendingBody } from '../http/deferred-body';
import { answerError } from '../http/error-answer';
import { noStore } from '../http/no-store';
import { parseBody } from '../http/parse-body';
import type { SessionAuthenticator } from '../http/session-authenticator';
import { credentialsBody } from './entitlement-bodies';

export interface CredentialsRouteDependencies {
  authenticator: SessionAuthenticator;
  flow: CredentialsFlow;
  logger: Logger;
  /** The server-wide body limit (body-limits.ts may lower it per route). */
  maxBodyBytes: number;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * `POST /api/v1/credentials`: credentials for one of the signed-in user's
 * entitlements, in the `credential_process` format. The one route a CLI
 * calls every time a credential is used, so it is served by Fastify
 * directly, without Nest's guard, pipe and handler layers (docs/benchmarks.md
 * measures what that saves); every hook the other routes pass through
 * (security headers, audit barrier, logging, metrics) applies to it alike.
 * Same order as a Nest route: authenticate, then read the body, then act.
 */
export function serveCredentials(fastify: FastifyInstance, deps: CredentialsRouteDependencies): void {
  fastify.route({
    method: 'POST',
    url: '/api/v1/credentials',
    errorHandler: (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
      answerError(deps.logger, error, request, reply);
    },
    handler: async (request: FastifyRequest, reply: FastifyReply): Promise<string> => {
      const { session } = await deps.authenticator.authenticate(request);
      const body =
        request.body instanceof PendingBody ? await request.body.read(deps.maxBodyBytes) : undefined;
      const issued = await deps.flow.credentials(session.identity, parseBody(credentialsBody, body), {
        clientAddress: request.ip,
      });
      noStore(reply);
      void reply.header('Content-Type', JSON_TYPE);
      return JSON.stringify(toCredentialProcess(issued));
    },
  });
}
