import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { BrokerRuntime } from './broker-runtime';
import { BrokerModule } from './broker.module';
import { ErrorsFilter } from './http/errors.filter';
import { NestPinoLogger } from './http/nest-logger';
import { RequestBodyInterceptor } from './http/request-body.interceptor';
import { requestLogging } from './http/request-logging';
import { untrustedProxyWarning } from './http/untrusted-proxy-warning';

/** Builds the HTTP application around a runtime; the caller decides where it listens. */
export async function createBrokerApp(runtime: BrokerRuntime): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(BrokerModule.forRuntime(runtime), {
    logger: new NestPinoLogger(runtime.logger),
    bodyParser: false,
    abortOnError: false,
  });
  const { server } = runtime.config;
  // false, a hop count, or the proxies' addresses and CIDR ranges (validated at config load).
  app.set('trust proxy', server.trustProxy);
  app.disable('x-powered-by');
  app.use(requestLogging(runtime.logger));
  app.use(untrustedProxyWarning(runtime.logger));
  app.use(cookieParser());
  // Bodies are read after the guards (authenticate first), JSON everywhere and forms only where documented.
  app.useGlobalInterceptors(new RequestBodyInterceptor(server.maxBodyBytes));
  app.useGlobalFilters(new ErrorsFilter(runtime.logger));
  return app;
}
