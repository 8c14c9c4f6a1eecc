import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { readRequestBody, type BodyKinds } from './read-request-body';

/**
 * The routes that take an HTML form as well as JSON (docs/http-api.md): the
 * password login form and the SAML Assertion Consumer Service, which an IdP
 * posts cross-site as a form. Every other route takes JSON only.
 */
const FORM_ROUTES: readonly RegExp[] = [/^\/auth\/[^/]+\/login$/, /^\/auth\/[^/]+\/callback$/];

function kindsFor(request: Request): BodyKinds {
  return request.method === 'POST' && FORM_ROUTES.some((route) => route.test(request.path))
    ? 'json-or-form'
    : 'json';
}

/**
 * Reads the request body once the route's guards have admitted the request:
 * a route that needs a session answers 401 before a byte of a large body is
 * read. Interceptors run after guards and before the handler's parameters
 * are bound, so `@Body()` sees what this parsed.
 */
export class RequestBodyInterceptor implements NestInterceptor {
  constructor(private readonly maxBodyBytes: number) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<Request>();
      request.body = await readRequestBody(request, kindsFor(request), this.maxBodyBytes);
    }
    return next.handle();
  }
}
