import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { BrokerMetrics } from '@fedgate/metrics';

/**
 * Prometheus metrics (docs/operations.md): counts and latencies by
 * connector, mode, operation, route and outcome, never by person. Open like
 * /healthz: restrict it where the broker is exposed (an ingress path rule or
 * the Helm chart's NetworkPolicy) if counts of activity are private to you.
 */
@Controller()
export class MetricsController {
  constructor(@Inject(BrokerMetrics) private readonly metrics: BrokerMetrics) {}

  @Get('metrics')
  async metricsText(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const { contentType, body } = await this.metrics.exposition();
    reply.header('content-type', contentType).header('cache-control', 'no-store');
    return body;
  }
}
