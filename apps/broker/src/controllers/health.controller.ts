import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { stsEndpointUrl, probeEndpoint } from '@fedgate/issuance';
import type { Store } from '@fedgate/store';
import { BROKER_STARTUP_CONFIG, BROKER_STORE, type BrokerStartupConfig } from '../tokens';

const PROBE_TIMEOUT_MS = 2000;

/** Liveness and readiness for orchestrators. Readiness names what failed, never why in detail. */
@Controller()
export class HealthController {
  constructor(
    @Inject(BROKER_STARTUP_CONFIG) private readonly config: BrokerStartupConfig,
    @Inject(BROKER_STORE) private readonly store: Store,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready(
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<{ status: string; checks: Record<string, string> }> {
    const checks: Record<string, Promise<void>> = { store: this.store.ping() };
    for (const backend of this.config.backends) {
      checks[`backend:${backend.id}`] = probeEndpoint(stsEndpointUrl(backend), PROBE_TIMEOUT_MS);
    }
    const names = Object.keys(checks);
    const outcomes = await Promise.allSettled(Object.values(checks));
    const results = Object.fromEntries(
      names.map((name, index) => [name, outcomes[index]?.status === 'fulfilled' ? 'ok' : 'unreachable']),
    );
    const ready = Object.values(results).every((result) => result === 'ok');
    response.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not ready', checks: results };
  }
}
