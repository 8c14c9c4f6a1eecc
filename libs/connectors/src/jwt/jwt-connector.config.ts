import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { durationRanges } from '@fedgate/config';
import { parseDurationSeconds } from '@fedgate/core';
import { connectorIdSchema } from '../connector-id';
import { ID_TOKEN_ALGORITHMS, isLoopbackHost } from '../oidc/oidc-connector.config';

/**
 * The algorithms a trusted issuer may be pinned to: asymmetric only, the
 * same list as the oidc connector's. `none` and HS* are absent on purpose:
 * a token must be signed with the issuer's private key, never with a
 * shared secret or a public key used as an HMAC secret.
 */
export const JWT_ALGORITHMS = ID_TOKEN_ALGORITHMS;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

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

/** A claim path: a claim name, or dot-separated names into nested objects. */
const claimPath = z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a claim name or a dotted path of names');

/** https, or http on this machine only (a local issuer for development and tests). */
const issuerUrl = z.url().refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}, 'must be an https:// URL (http:// only for localhost or 127.0.0.1)');

/**
 * A static public key: a PEM `PUBLIC KEY` (SPKI), usually `${file:…}`, or
 * one JWK as JSON. A private key or a symmetric key is refused, so a
 * secret can never end up as a verification key.
 */
export const publicKeyTextSchema = z.string().superRefine((text, context) => {
  const message = publicKeyProblem(text);
  if (message !== undefined) {
    context.addIssue({ code: 'custom', message });
  }
});

function publicKeyProblem(text: string): string | undefined {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('{')) {
      const jwk = JSON.parse(trimmed) as Record<string, unknown>;
      if (jwk.kty === 'oct' || jwk.d !== undefined) {
        return 'must be a public key: a symmetric or private JWK is refused';
      }
      createPublicKey({ key: jwk as never, format: 'jwk' });
      return undefined;
    }
    if (!trimmed.includes('-----BEGIN PUBLIC KEY-----')) {
      return 'must be a PEM public key (-----BEGIN PUBLIC KEY-----) or a public JWK as JSON';
    }
    createPublicKey(trimmed);
    return undefined;
  } catch {
    return 'is not a readable public key';
  }
}

/**
 * A claim condition: the claim (every value of it, for a list claim) must
 * equal one of the patterns; `*` matches any run of characters and `?` one
 * character, everything else is literal and the whole value must match
 * (`my-org/*` matches `my-org/app`, never `my-org-evil/app`).
 */
const conditionPatterns = z.union([
  z
    .string()
    .min(1)
    .transform((pattern) => [pattern]),
  z.array(z.string().min(1)).min(1, 'must list at least one value'),
]);

/** Configuration of a trusted token issuer (`type: jwt`), for token exchange. */
export const jwtConnectorConfigSchema = z
  .strictObject({
    id: connectorIdSchema,
    type: z.literal('jwt'),
    name: z.string().min(1).optional().describe('A display name. Default: the id.'),
    /** The exact `iss` of the tokens. */
    issuer: issuerUrl.describe("The tokens' exact `iss`; https, or http on loopback only."),
    /** Where the issuer publishes its signing keys (GitHub: `{issuer}/.well-known/jwks`). */
    jwksUrl: issuerUrl.optional().describe("The issuer's JWKS URL. Exactly one of `jwksUrl` and `keys`."),
    /** Or the keys themselves (PEM or JWK), when the issuer publishes none (a Kubernetes cluster's service-account key). */
    keys: z
      .array(publicKeyTextSchema)
      .min(1, 'must list at least one key')
      .optional()
      .describe(
        'Public keys (PEM or JWK as JSON; private and symmetric keys refused). Exactly one of `jwksUrl` and `keys`.',
      ),
    /** The algorithms tokens may be signed with; anything else is refused before the signature is checked. */
    algorithms: z
      .array(z.enum(JWT_ALGORITHMS, { error: `must be one of: ${JWT_ALGORITHMS.join(', ')}` }))
      .min(1, 'must list at least one algorithm')
      .default(['RS256'])
      .describe('Pinned asymmetric algorithms (no `none`, no HS\\*).'),
    /** The `aud` tokens must carry (one of their audiences must equal it). */
    audience: z.string().min(1).describe("A value the token's `aud` must contain."),
    /** Tokens issued (`iat`) longer ago than this are refused, whatever their `exp`. */
    maxTokenAge: seconds(3600, 60, 24 * 3600, '1m and 24h').describe(
      'Tokens with an older `iat` are refused (1m–24h).',
    ),
    /** Tolerated clock difference with the issuer for exp, nbf and iat. */
    clockSkew: seconds(60, 0, 300, '0s and 5m').describe(
      'Tolerated clock difference with the issuer, for token times.',
    ),
    /** A token carrying `jti` is accepted once (until it expires); false accepts it again (Kubernetes tokens are reused by their pod). */
    singleUseJti: z
      .boolean()
      .default(true)
      .describe("A token's `jti` is accepted once (kept in the store until `exp`)."),
    /** Where the identity's fields are read from, by claim path. */
    claims: z
      .strictObject({
        /** Made unique across issuers: the identity's subject is `{issuer}#{value}`. */
        subject: claimPath.default('sub'),
        username: claimPath.default('sub'),
        groups: claimPath.optional(),
        email: claimPath.optional(),
        /** Identity attribute name → claim path; mapping rules match on these (`attributes.repository`). */
        attributes: z.record(z.string().min(1), claimPath).default({}),
      })
      .prefault({})
      .describe('Claim paths for `subject`, `username` (both `sub`), `groups`, `email`, `attributes`.'),
    /** Claim path → the values (exact, or globs with `*` and `?`) it must have; every condition must hold. */
    conditions: z
      .record(claimPath, conditionPatterns)
      .default({})
      .describe('Claim path → value or list of values (`*`, `?` globs) the claim must match.'),
    /** Per request to the issuer's JWKS URL. */
    timeout: seconds(10, 1, 60, '1s and 1m').describe('Per request for the JWKS.'),
  })
  .superRefine((config, context) => {
    if ((config.jwksUrl === undefined) === (config.keys === undefined)) {
      context.addIssue({ code: 'custom', path: ['jwksUrl'], message: 'set exactly one of jwksUrl or keys' });
    }
  });

export type JwtConnectorConfig = z.infer<typeof jwtConnectorConfigSchema>;
