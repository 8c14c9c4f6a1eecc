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
  server: serverConfigSchema.prefault({}).describe('Where the broker listens and the URL users reach it at.'),
  session: sessionConfigSchema
    .prefault({})
    .describe('How long portal sessions and CLI logins last, and how often their identity is checked again.'),
  loginThrottle: loginThrottleConfigSchema
    .prefault({})
    .describe(
      'Failed sign-ins counted per account, per device and per client address (see [`loginThrottle`](#loginthrottle)).',
    ),
  /** Credential and console requests per user and per client address, across front doors and replicas. */
  issuanceRateLimit: issuanceRateLimitConfigSchema
    .prefault({})
    .describe(
      'Credential and console requests per user and per client address, across front doors and replicas.',
    ),
  /** OAuth and AWS SSO OIDC endpoint requests per client address, per OAuth client and per user. */
  oauthRateLimit: oauthRateLimitConfigSchema
    .prefault({})
    .describe('OAuth and AWS SSO OIDC endpoint requests per client address, per OAuth client and per user.'),
  store: storeConfigSchema
    .default({ type: 'memory' })
    .describe(
      'Where sessions, single-use values, throttle counts and caches live. Default: `{ type: memory }`.',
    ),
  logging: loggingConfigSchema.prefault({}).describe('The application log (not the audit stream).'),
  /** Where the audit stream goes: stdout (default) or a file of its own. */
  audit: auditConfigSchema
    .default({ output: 'stdout' })
    .describe('Where the audit stream goes. Default: `{ output: stdout }`.'),
  connectors: z
    .array(connectorConfigSchema)
    .min(1, 'must list at least one connector')
    .describe('How people sign in, and the token issuers of the token exchange.'),
  ...mappingSections,
  /** Credential cache, and the tokens fedgate signs for mode web-identity. */
  issuance: issuanceConfigSchema
    .prefault({})
    .describe('The credential cache, and the tokens fedgate signs for mode web-identity.'),
  /** Callers of the token-exchange grant (RFC 8693) at POST /oauth/token. */
  tokenExchange: tokenExchangeConfigSchema
    .prefault({})
    .describe('Callers of the token-exchange grant (RFC 8693) at POST /oauth/token.'),
});

/** The broker's validated configuration, defaults applied. */
export type FedgateConfig = z.output<typeof brokerConfigSchema>;
