import { z } from 'zod';
import { auditConfigSchema } from '@fedgate/audit';
import { connectorConfigSchema } from '@fedgate/connectors';
import { issuanceConfigSchema } from '@fedgate/issuance';
import { mappingSections } from '@fedgate/mapping';
import { sessionConfigSchema } from '@fedgate/sessions';
import { storeConfigSchema } from '@fedgate/store';
import {
  issuanceRateLimitConfigSchema,
  loginThrottleConfigSchema,
  oauthRateLimitConfigSchema,
} from '@fedgate/throttling';
import { tokenExchangeConfigSchema } from '@fedgate/token-exchange';
import { loggingConfigSchema, serverConfigSchema } from './server.schema';

/**
 * The broker's whole configuration file, composed from the sections each
 * stage library owns (docs/configuration.md lists which owns which) plus
 * the broker's own `server` and `logging`.
 */
export const brokerConfigSchema = z.strictObject({
  server: serverConfigSchema.prefault({}),
  session: sessionConfigSchema.prefault({}),
  loginThrottle: loginThrottleConfigSchema.prefault({}),
  /** Credential and console requests per user and per client address, across front doors and replicas. */
  issuanceRateLimit: issuanceRateLimitConfigSchema.prefault({}),
  /** OAuth and AWS SSO OIDC endpoint requests per client address, per OAuth client and per user. */
  oauthRateLimit: oauthRateLimitConfigSchema.prefault({}),
  store: storeConfigSchema.default({ type: 'memory' }),
  logging: loggingConfigSchema.prefault({}),
  /** Where the audit stream goes: stdout (default) or a file of its own. */
  audit: auditConfigSchema.default({ output: 'stdout' }),
  connectors: z.array(connectorConfigSchema).min(1, 'must list at least one connector'),
  ...mappingSections,
  /** Credential cache, and the tokens fedgate signs for mode web-identity. */
  issuance: issuanceConfigSchema.prefault({}),
  /** Callers of the token-exchange grant (RFC 8693) at POST /oauth/token. */
  tokenExchange: tokenExchangeConfigSchema.prefault({}),
});

/** The broker's validated configuration, defaults applied. */
export type FedgateConfig = z.output<typeof brokerConfigSchema>;
