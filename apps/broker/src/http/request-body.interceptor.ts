import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { withContentType } from './deferred-body';
import { PORTAL_FORM_ROUTES } from '../portal/portal-routes';
import { readRequestBody, type BodyKinds } from './read-request-body';
import { requestPath } from './request-path';

/**
 * The routes that take an HTML form as well as JSON (docs/http-api.md): the
 * password login form and the SAML Assertion Consumer Service, which an IdP
 * posts cross-site as a form, and the OAuth endpoints of docs/http-api.md.
 * Every other route takes JSON only.
 */
const FORM_ROUTES: readonly RegExp[] = [
  /^\/auth\/[^/]+\/login\/?$/i,
  /^\/auth\/[^/]+\/callback\/?$/i,
  // RFC 6749 and RFC 8628 endpoints take forms; the device page posts one.
  /^\/oauth\/(authorize|token|device_authorization|revoke|device)$/,
  // The portal's forms (docs/portal.md).
  ...PORTAL_FORM_ROUTES,
];

function kindsFor(request: FastifyRequest): BodyKinds {
  if (request.method !== 'POST') {
    return 'json';
  }
  const path = requestPath(request);
  return FORM_ROUTES.some((route) => route.test(path)) ? 'json-or-form' : 'json';
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
      const request = context.switchToHttp().getRequest<FastifyRequest>();
      request.body = await readRequestBody(
        withContentType(request.raw),
        kindsFor(request),
        this.maxBodyBytes,
      );
    }
    return next.handle();
  }
}
