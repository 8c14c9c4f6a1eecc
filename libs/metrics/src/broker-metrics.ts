import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The broker's Prometheus metrics (docs/operations.md). Labels name
 * connectors, modes, operations, routes and outcomes, never a person: no
 * username, subject, account of a user or address appears in a label, so
 * scraping /metrics reveals activity, not identities.
 */
export class BrokerMetrics {
  readonly registry = new Registry();

  readonly logins = new Counter({
    name: 'fedgate_logins_total',
    help: 'Sign-ins, by connector and outcome (success, failure, refused, throttled, error).',
    labelNames: ['connector', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly issuance = new Counter({
    name: 'fedgate_issuance_total',
    help: 'Credential requests, by issuance mode, outcome and source (issued by STS, cache, coalesced with a concurrent request).',
    labelNames: ['mode', 'outcome', 'source'] as const,
    registers: [this.registry],
  });

  readonly consoleSignins = new Counter({
    name: 'fedgate_console_signins_total',
    help: 'Console sign-in URLs, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly identityRefreshes = new Counter({
    name: 'fedgate_identity_refreshes_total',
    help: 'Re-checks of a session identity with its source, by connector and outcome (current, revoked, error).',
    labelNames: ['connector', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly configReloads = new Counter({
    name: 'fedgate_config_reloads_total',
    help: 'Configuration reloads (SIGHUP or POST /api/v1/admin/reload), by trigger and outcome.',
    labelNames: ['trigger', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly oauthRateLimited = new Counter({
    name: 'fedgate_oauth_rate_limited_total',
    help: 'OAuth and AWS SSO endpoint requests refused by oauthRateLimit, by front door, endpoint and the check that refused.',
    labelNames: ['front', 'endpoint', 'check'] as const,
    registers: [this.registry],
  });

  readonly revocations = new Counter({
    name: 'fedgate_revocations_total',
    help: 'Administrator revocations (POST /api/v1/admin/revoke), by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly tokenExchanges = new Counter({
    name: 'fedgate_token_exchanges_total',
    help: 'Token exchanges (RFC 8693), by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly stsCalls = new Counter({
    name: 'fedgate_sts_calls_total',
    help: 'Calls to STS backends, by backend, operation and outcome (ok, throttled, error).',
    labelNames: ['backend', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly stsRetries = new Counter({
    name: 'fedgate_sts_retries_total',
    help: 'Attempts beyond the first of STS calls, by backend and operation.',
    labelNames: ['backend', 'operation'] as const,
    registers: [this.registry],
  });

  readonly stsDuration = new Histogram({
    name: 'fedgate_sts_call_duration_seconds',
    help: 'STS call latency including retries, by backend and operation.',
    labelNames: ['backend', 'operation'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'fedgate_http_request_duration_seconds',
    help: 'HTTP request latency, by method, route pattern (never the path with its values) and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) {
      // CPU, memory, event loop lag and GC of this process, with the fedgate_ prefix.
      collectDefaultMetrics({ register: this.registry, prefix: 'fedgate_' });
    }
  }

  /** The text exposition format Prometheus scrapes, and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
