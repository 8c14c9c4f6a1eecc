import type { FastifyInstance } from 'fastify';
import type { Logger } from '@fedgate/logging';
import { requestPath } from './request-path';

/**
 * One line per request: method, path (never the query string, which can
 * carry codes and tokens), status and duration. Headers and bodies are not
 * logged at all.
 */
export function requestLogging(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    // The level is fixed for the process: below `info` the line is not even built.
    if (logger.isLevelEnabled('info')) {
      logger.info(
        {
          method: request.method,
          path: requestPath(request),
          status: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
          clientAddress: request.ip,
        },
        'request',
      );
    }
    done();
  });
}
