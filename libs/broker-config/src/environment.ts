import type { ConfigIssue } from '@fedgate/config';
import type { FedgateConfig } from './broker-config.schema';

/** The environment variables the broker reads besides `${env:…}` references. */
export interface BrokerEnvironment {
  /** Overrides `server.port`. */
  PORT?: string;
}

/**
 * The configuration as the broker runs it in `env`: `PORT`, when set,
 * replaces `server.port` (docs/configuration.md). A `PORT` that is not a
 * port number (1–65535) is an issue at `server.port`. Returns a copy; the
 * given config is not changed.
 */
export function applyBrokerEnvironment(
  config: FedgateConfig,
  env: Readonly<BrokerEnvironment>,
): { ok: true; config: FedgateConfig } | { ok: false; issues: ConfigIssue[] } {
  if (env.PORT === undefined) {
    return { ok: true, config };
  }
  const port = Number(env.PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return {
      ok: false,
      issues: [
        {
          path: 'server.port',
          message: `is overridden by the environment variable PORT, which must be a port number (1–65535), not "${env.PORT}"`,
        },
      ],
    };
  }
  return { ok: true, config: { ...config, server: { ...config.server, port } } };
}
