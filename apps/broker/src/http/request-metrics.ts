import type { FastifyInstance } from 'fastify';
import type { BrokerMetrics } from '@fedgate/metrics';

/** Requests no route matched share one label, so a scan of random paths cannot grow the series. */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * Every request's duration in the metrics, by method, route pattern (such
 * as `/console/:accountId/:permissionSet`, never the path with its values)
 * and status code.
 */
export function requestMetrics(fastify: FastifyInstance, metrics: BrokerMetrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
