import { z } from 'zod';
import { bareHttpUrl, durationSeconds } from '@fedgate/config';

const HOUR = 3600;

/** A 256-bit key for the credential cache, base64. */
const cacheKeySchema = z.strictObject({
  /** Stored with every entry, so entries written under an older key stay readable while it is listed. */
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,32}$/, 'must be 1–32 letters, digits or _.-')
    .describe(
      'The key id, stored with every entry, so entries written under an older key stay readable while it is listed: 1–32 letters, digits or `_.-`.',
    ),
  key: z
    .string()
    .refine((text) => Buffer.from(text, 'base64').length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(text), {
      message: 'must be 32 random bytes, base64 (openssl rand -base64 32)',
    })
    .describe('32 random bytes in base64 (`openssl rand -base64 32`), given by reference.'),
});

/**
 * The `issuance` section (docs/configuration.md): the credential cache, and
 * the tokens fedgate signs for mode web-identity. What the schema cannot
 * see (whether a PEM key is usable) is checked by issuanceStartupIssues.
 */
export const issuanceConfigSchema = z.strictObject({
  cache: z
    .strictObject({
      /** Identical requests share credentials while they have more than `refreshBefore` left. */
      enabled: z
        .boolean()
        .default(true)
        .describe(
          'Identical credential requests (same user, account, permission set, tags, policies, duration) share credentials from the store instead of calling STS again, and concurrent ones wait for one STS call, across replicas sharing a Redis store.',
        ),
      refreshBefore: durationSeconds(5 * 60, HOUR)
        .default(15 * 60)
        .describe(
          'Cached credentials are served only while more than this is left (5m – 1h): the AWS CLI refreshes at 15 minutes.',
        ),
      /**
       * Encryption keys, newest first (the first encrypts). Without keys, each process makes
       * its own at start: replicas then cannot read each other's entries.
       */
      keys: z
        .array(cacheKeySchema)
        .default([])
        .superRefine((keys, context) => {
          keys.forEach((entry, index) => {
            if (keys.findIndex((other) => other.id === entry.id) < index) {
              context.addIssue({
                code: 'custom',
                path: [index, 'id'],
                message: `"${entry.id}" is listed twice`,
              });
            }
          });
        })
        .describe(
          'Encryption keys for cached credentials, newest first: `{ id, key }`, `key` being 32 random bytes in base64 (`openssl rand -base64 32`, given by reference). The first encrypts; every listed key decrypts, so rotate by putting a new key first and removing the old one after `refreshBefore` plus the longest session ([issuance.md](issuance.md#encryption) has a rollout that avoids extra STS calls). Left out: each process makes its own key at start, so replicas cannot share entries.',
        ),
    })
    .prefault({})
    .describe('The credential cache, shared through the store.'),
  webIdentity: z
    .strictObject({
      /** The `iss` of fedgate's tokens (an IAM OIDC provider must trust it); server.publicUrl when absent. */
      issuer: bareHttpUrl('the iss of the tokens fedgate signs')
        .optional()
        .describe(
          'The `iss` of the tokens fedgate signs for `web-identity`; the IAM OIDC provider is created for it.',
        ),
      audience: z
        .string()
        .min(1)
        .default('sts.amazonaws.com')
        .describe("The tokens' `aud`: the IAM OIDC provider's client id."),
      tokenLifetime: durationSeconds(60, HOUR)
        .default(5 * 60)
        .describe('How long a signed token is valid (1m – 1h); it is used once, at once.'),
      /**
       * PEM private keys (RSA ≥ 2048 bits), newest first: the first signs, all are published
       * in jwks.json. Without keys, fedgate makes one at start (fine for one instance).
       */
      signingKeys: z
        .array(z.strictObject({ id: z.string().min(1).max(64).optional(), privateKey: z.string().min(1) }))
        .default([])
        .describe(
          "`{ id?, privateKey }`: PEM RSA private keys (2048 bits or more) by reference, newest first. The first signs; all are published at `/.well-known/jwks.json`. `id` (the JWT `kid`) defaults to the key's RFC 7638 thumbprint. Left out: a key made at start, fine for one instance.",
        ),
    })
    .prefault({})
    .describe('The tokens fedgate signs for mode `web-identity` ([web-identity.md](web-identity.md)).'),
});

/** The validated `issuance` section, defaults applied. */
export type IssuanceConfig = z.output<typeof issuanceConfigSchema>;
