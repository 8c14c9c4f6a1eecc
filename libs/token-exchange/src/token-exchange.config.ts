import { z } from 'zod';
import { JWT_ALGORITHMS, parsePasswordHash, publicKeyTextSchema } from '@fedgate/connectors';

/** Client ids appear in audit lines and in HTTP Basic credentials: plain characters, no `:`. */
const clientIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/,
    'must be 1–128 letters, digits or _.@-, starting with a letter or digit',
  );

const grantList = (what: string) =>
  z
    .array(z.string().min(1))
    .min(1, `must list at least one ${what} (or "*")`)
    .refine(
      (items) => !items.includes('*') || items.length === 1,
      `"*" (every ${what}) must be the only entry`,
    );

/** How a caller proves who it is at the token endpoint. */
const authenticationSchema = z.discriminatedUnion(
  'method',
  [
    /** client_secret_basic or client_secret_post; only the scrypt hash is configured (`fedgate hash-password`). */
    z.strictObject({
      method: z.literal('client_secret'),
      secretHash: z
        .string()
        .superRefine((text, context) => {
          const parsed = parsePasswordHash(text);
          if (typeof parsed === 'string') {
            context.addIssue({ code: 'custom', message: parsed });
          }
        })
        .describe('An scrypt hash of the client secret (`fedgate hash-password`).'),
    }),
    /** private_key_jwt (RFC 7523): the caller signs a short assertion with its key; these are its public keys. */
    z.strictObject({
      method: z.literal('private_key_jwt'),
      keys: z
        .array(publicKeyTextSchema)
        .min(1, 'must list at least one public key (PEM or JWK)')
        .describe("The client's public keys (PEM or JWK as JSON) that sign its assertions."),
      algorithms: z
        .array(z.enum(JWT_ALGORITHMS, { error: `must be one of: ${JWT_ALGORITHMS.join(', ')}` }))
        .min(1, 'must list at least one algorithm')
        .default(['RS256', 'ES256'])
        .describe("The assertions' allowed signing algorithms."),
    }),
    /**
     * No client authentication: for workloads (a CI job, a pod), whose own
     * token is the only thing they hold. Allowed only with `none` written on
     * purpose, and still limited to the client's issuers, accounts and sets.
     */
    z.strictObject({ method: z.literal('none') }),
  ],
  { error: 'authentication.method must be one of: client_secret, private_key_jwt, none' },
);

/** One caller of the token-exchange grant: a custom broker, or a kind of workload. */
export const tokenExchangeClientSchema = z.strictObject({
  /** The `client_id` the caller sends. */
  id: clientIdSchema.describe('The `client_id`: 1–128 letters, digits or `_.@-`.'),
  name: z.string().min(1).optional().describe('A display name. Default: the id.'),
  authentication: authenticationSchema.describe(
    '`{method: client_secret, secretHash}` (an scrypt hash, `fedgate hash-password`), `{method: private_key_jwt, keys, algorithms}` or `{method: none}`.',
  ),
  /** The jwt connectors (trusted issuers) whose tokens this caller may exchange. */
  issuers: z
    .array(z.string().min(1))
    .min(1, 'must list at least one jwt connector')
    .describe('The `jwt` connectors whose tokens the client may exchange.'),
  /** Accounts (ids or names) this caller may ask credentials or a console for, or `*`. */
  accounts: grantList('account').describe('Account ids or names the client may ask for, or `*`.'),
  /** Permission sets this caller may ask for, or `*`. */
  permissionSets: grantList('permission set').describe('Permission sets the client may ask for, or `*`.'),
  /**
   * Whether the caller may get a fedgate access token for /api/v1/*: such a
   * token carries every entitlement of the identity, beyond the accounts and
   * permission sets above, so it is off unless asked for.
   */
  allowAccessTokens: z
    .boolean()
    .default(false)
    .describe(
      'May get fedgate access tokens for `/api/v1/*` (they carry every entitlement of the identity).',
    ),
});

/** The `tokenExchange` section: who may exchange tokens (RFC 8693) at POST /oauth/token. */
export const tokenExchangeConfigSchema = z.strictObject({
  clients: z
    .array(tokenExchangeClientSchema)
    .default([])
    .describe('The clients allowed to call the token exchange, each with what it may ask for.'),
});

export type TokenExchangeClientConfig = z.output<typeof tokenExchangeClientSchema>;
export type TokenExchangeConfig = z.output<typeof tokenExchangeConfigSchema>;
