import { z } from 'zod';
import { connectorLogoSchema } from '../connector-logo';
import { durationRanges } from '@fedgate/config';
import { parseDurationSeconds } from '@fedgate/core';
import { connectorIdSchema } from '../connector-id';

/**
 * ID token signing algorithms a connector may pin. `none` and the HMAC
 * family (HS*) are absent on purpose: an ID token must be signed with the
 * provider's published asymmetric key, never with a shared or no secret.
 */
export const ID_TOKEN_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type IdTokenAlgorithm = (typeof ID_TOKEN_ALGORITHMS)[number];

const seconds = (fallback: number, min: number, max: number, range: string) => {
  const schema = z.union([z.string(), z.number()]).transform((value, context) => {
    const parsed = parseDurationSeconds(value);
    if (parsed === undefined || parsed < min || parsed > max) {
      context.addIssue({ code: 'custom', message: `must be a duration between ${range}` });
      return z.NEVER;
    }
    return parsed;
  });
  // Its range, for the published JSON Schema.
  durationRanges.add(schema, { minSeconds: min, maxSeconds: max });
  return schema.default(fallback);
};

/** A claim path: a top-level claim name, or dot-separated names into nested objects (`realm_access.roles`). */
const claimPath = z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a claim name or a dotted path of names');

/** https, or http on this machine only (a provider on loopback for development and tests). */
const providerUrl = z.url().refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}, 'must be an https:// URL (http:// only for localhost or 127.0.0.1)');

/** Presets fill the provider's issuer and claim names and add its own checks. */
const presetSchema = z.discriminatedUnion(
  'name',
  [
    z.strictObject({
      name: z.literal('google'),
      /** Google Workspace domains allowed to sign in, checked on the ID token's `hd` claim. */
      hostedDomains: z
        .array(z.string().min(1))
        .default([])
        .describe(
          "Google Workspace domains whose users may sign in, by the ID token's signed `hd` claim; empty admits any.",
        ),
    }),
    z.strictObject({
      name: z.literal('microsoft'),
      /** The Entra ID tenant (directory) id: the issuer is that tenant's, and `tid` must equal it. */
      tenantId: z
        .string()
        .regex(/^[0-9a-f-]{36}$/i, 'must be the tenant id (a GUID)')
        .describe('The Entra ID tenant (a GUID).'),
    }),
  ],
  { error: 'preset.name must be one of: google, microsoft' },
);

/** private_key_jwt client authentication (RFC 7523): fedgate signs an assertion with its own key. */
const privateKeyJwtSchema = z.strictObject({
  /** PKCS#8 PEM of fedgate's private key; its public key is registered at the provider. */
  privateKey: z
    .string()
    .includes('PRIVATE KEY', { message: 'must be a PKCS#8 PEM private key' })
    .describe(
      "PKCS#8 PEM of fedgate's private key (`${file:…}`); its public key is registered at the provider.",
    ),
  keyId: z.string().min(1).optional().describe('The `kid` the provider knows the key by.'),
  alg: z.enum(['RS256', 'PS256', 'ES256']).default('RS256').describe('The assertion signing algorithm.'),
});

/** Configuration of an OpenID Connect connector (authorization code with PKCE). */
export const oidcConnectorConfigSchema = z
  .strictObject({
    id: connectorIdSchema,
    type: z.literal('oidc'),
    name: z.string().min(1).optional().describe("Shown on the portal's sign-in page. Default: the id."),
    /** Shown beside the name on the portal's sign-in page. */
    logo: connectorLogoSchema.optional(),
    preset: presetSchema
      .optional()
      .describe('`{name: google, hostedDomains}` or `{name: microsoft, tenantId}`.'),
    /** The provider's issuer identifier; discovery reads `{issuer}/.well-known/openid-configuration`. */
    issuer: providerUrl
      .optional()
      .describe("The provider's issuer (discovery); https, or http on loopback only."),
    clientId: z.string().min(1).describe('The client id registered at the provider.'),
    /** client_secret_basic; or use privateKeyJwt. */
    clientSecret: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The client secret, for client_secret_basic (use `${env:…}` or `${file:…}`). Exactly one of `clientSecret` and `privateKeyJwt`.',
      ),
    privateKeyJwt: privateKeyJwtSchema
      .optional()
      .describe(
        'private_key_jwt client authentication: `privateKey`, `keyId`, `alg`. Exactly one of `clientSecret` and `privateKeyJwt`.',
      ),
    /** The one algorithm the provider's ID tokens must be signed with. */
    idTokenAlg: z
      .enum(ID_TOKEN_ALGORITHMS, { error: `must be one of: ${ID_TOKEN_ALGORITHMS.join(', ')}` })
      .optional()
      .describe('The pinned ID token algorithm (no `none`, no HS\\*).'),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token'))
      .optional()
      .describe('Add `offline_access` for a refresh token where the provider needs it.'),
    /** Ask the UserInfo endpoint for claims too (when the provider has one). */
    userinfo: z.boolean().default(true).describe("Also read UserInfo (its `sub` must equal the ID token's)."),
    /** Where the identity's fields are read from, by claim path. */
    claims: z
      .strictObject({
        username: claimPath
          .optional()
          .describe(
            'Claim path of the username. Default: `preferred_username` (`email` with the google preset).',
          ),
        email: claimPath
          .default('email')
          .describe('Claim path of the email, used only when `email_verified` is true.'),
        displayName: claimPath.default('name').describe('Claim path of the display name.'),
        groups: claimPath
          .optional()
          .describe('Claim path of the groups. Default: none (`groups` with the microsoft preset).'),
        /** Identity attribute name → claim path. */
        attributes: z
          .record(z.string().min(1), claimPath)
          .default({})
          .describe('Identity attribute name → claim path.'),
      })
      .prefault({})
      .describe('Claim paths (`a.b.c`) for `username`, `email`, `displayName`, `groups` and `attributes`.'),
    /** Which `amr` methods or `acr` values count as multi-factor authentication. */
    mfa: z
      .strictObject({
        amr: z
          .array(z.string().min(1))
          .default(['mfa', 'otp', 'hwk', 'swk', 'sms', 'fpt', 'face', 'sc'])
          .describe('`amr` methods that make the sign-in multi-factor.'),
        acr: z
          .array(z.string().min(1))
          .default([])
          .describe('`acr` values that make the sign-in multi-factor.'),
      })
      .prefault({})
      .describe('`amr` methods and `acr` values that mean multi-factor.'),
    /** Tolerated clock difference with the provider for exp and iat. */
    clockSkew: seconds(60, 0, 300, '0s and 5m').describe(
      'Tolerated clock difference with the provider, for token times.',
    ),
    /** Per request to the provider (discovery, token, UserInfo, JWKS). */
    timeout: seconds(10, 1, 60, '1s and 1m').describe('Per request to the provider.'),
  })
  .superRefine((config, context) => {
    if ((config.clientSecret === undefined) === (config.privateKeyJwt === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['clientSecret'],
        message: 'set exactly one of clientSecret or privateKeyJwt',
      });
    }
    if (config.issuer === undefined && config.preset === undefined) {
      context.addIssue({ code: 'custom', path: ['issuer'], message: 'is required (or set a preset)' });
    }
  });

export type OidcConnectorConfig = z.infer<typeof oidcConnectorConfigSchema>;

/** True for names that reach this machine only. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
