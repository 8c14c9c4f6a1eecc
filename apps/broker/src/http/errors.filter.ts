import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from '@fedgate/logging';
import { httpStatusFor, toFedgateError } from './error-response';
import { sendSignInErrorPage, wantsErrorPage } from './sign-in-error-page';

/**
 * Every error leaves as JSON `{error, message}` with the status its code
 * maps to, or, on a browser's sign-in step, as a page a person can read. Server errors are logged with their cause; their message is
 * generic. No stack traces, no secrets in bodies.
 */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const error = toFedgateError(exception);
    const status = httpStatusFor(error.code);
    const context = {
      code: error.code,
      method: request.method,
      path: request.path,
      ...(error.phase === undefined ? {} : { phase: error.phase }),
      detail: error.detail,
    };
    if (status >= 500) {
      this.logger.error({ ...context, err: error.cause ?? error }, error.message);
    } else {
      this.logger.info(context, 'request rejected');
    }
    if (response.headersSent) {
      return;
    }
    // Only the error's own client-facing field: operator detail never shapes the answer.
    const retryAfter = error.retryAfterSeconds;
    if (typeof retryAfter === 'number') {
      response.setHeader('Retry-After', String(retryAfter));
    }
    const message = status === 500 ? 'Internal error' : error.message;
    if (wantsErrorPage(response)) {
      sendSignInErrorPage(response, status, error, message);
      return;
    }
    response.status(status).setHeader('Cache-Control', 'no-store').json({ error: error.code, message });
  }
}
