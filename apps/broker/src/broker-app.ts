import 'reflect-metadata';
import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { CredentialsFlow } from '@fedgate/flows';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { BrokerRuntime } from './broker-runtime';
import { BrokerModule } from './broker.module';
import { serveCredentials } from './controllers/credentials-route';
import { deferRequestBodies } from './http/deferred-body';
import { httpStatusFor, toFedgateError } from './http/error-response';
import { ErrorsFilter } from './http/errors.filter';
import { NestPinoLogger } from './http/nest-logger';
import { RequestBodyPipe } from './http/request-body.pipe';
import { requestLogging } from './http/request-logging';
import { requestMetrics } from './http/request-metrics';
import { SessionAuthenticator } from './http/session-authenticator';
import { addSecurityHeaders } from './http/security-headers';
import { untrustedProxyWarning } from './http/untrusted-proxy-warning';

/** The broker's Nest application: Nest on Fastify (docs/benchmarks.md says why). */
export type BrokerApp = NestFastifyApplication;

/** Builds the HTTP application around a runtime; the caller decides where it listens. */
export async function createBrokerApp(runtime: BrokerRuntime): Promise<BrokerApp> {
  const { server } = runtime.config;
  const adapter = new FastifyAdapter({
    // false, a hop count, or the proxies' addresses and CIDR ranges (validated at config load).
    trustProxy: server.trustProxy,
    // Routes match as they did on Express: any letter case, with or without a trailing slash.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 2048 },
    // Node's own timeouts, as before (Fastify would keep idle connections 72 s and never time a request out).
    keepAliveTimeout: 5_000,
    requestTimeout: 300_000,
    // Requests are logged by requestLogging, in the broker's own format.
    logger: false,
    // Nothing registers Express-style middleware.
    skipMiddie: true,
    // Errors Fastify finds before routing (a malformed URL) answer like every other error.
    frameworkErrors: (error: Error, _request: FastifyRequest, reply: FastifyReply) => {
      const refused = toFedgateError(error);
      void reply
        .status(httpStatusFor(refused.code))
        .header('Cache-Control', 'no-store')
        .header('Content-Type', 'application/json; charset=utf-8')
        .send(JSON.stringify({ error: refused.code, message: refused.message }));
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(BrokerModule.forRuntime(runtime), adapter, {
    logger: new NestPinoLogger(runtime.logger),
    bodyParser: false,
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  requestLogging(fastify, runtime.logger);
  requestMetrics(fastify, runtime.metrics);
  untrustedProxyWarning(fastify, runtime.logger);
  await app.register(fastifyCookie);
  await addSecurityHeaders(fastify, server.publicUrl);
  // After the cookie plugin, whose onSend writes Set-Cookie: an unaudited answer must lose them.
  // File and stdout streams write in groups, once per turn of the event loop; the Redis stream
  // writes each line on its own, so answers wait for their request's (http/audit-writes.ts).
  if (runtime.config.audit.output === 'redis') {
    runtime.auditWrites.register(fastify);
  } else if (runtime.auditBatches !== undefined) {
    runtime.auditWrites.registerBatched(fastify, runtime.auditBatches);
  }
  // Bodies are read after the guards (authenticate first), JSON everywhere and forms only where documented.
  deferRequestBodies(fastify);
  // The hot path, after every hook above so it passes through them all (controllers/credentials-route.ts).
  serveCredentials(fastify, {
    authenticator: app.get(SessionAuthenticator),
    flow: app.get(CredentialsFlow),
    logger: runtime.logger,
    maxBodyBytes: server.maxBodyBytes,
  });
  app.useGlobalPipes(new RequestBodyPipe(server.maxBodyBytes));
  app.useGlobalFilters(new ErrorsFilter(runtime.logger));
  return app;
}
