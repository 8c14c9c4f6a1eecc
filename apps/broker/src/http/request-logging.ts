import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@fedgate/logging';

/**
 * One line per request: method, path (never the query string, which can
 * carry codes and tokens), status and duration. Headers and bodies are not
 * logged at all.
 */
export function requestLogging(logger: Logger) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      logger.info(
        {
          method: request.method,
          path: request.path,
          status: response.statusCode,
          durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
          clientAddress: request.ip,
        },
        'request',
      );
    });
    next();
  };
}
