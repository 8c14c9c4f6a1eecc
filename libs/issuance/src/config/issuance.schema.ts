import { z } from 'zod';
import { bareHttpUrl, durationSeconds } from '@fedgate/config';

const HOUR = 3600;

/** A 256-bit key for the credential cache, base64. */
const cacheKeySchema = z.strictObject({
  /** Stored with every entry, so entries written under an older key stay readable while it is listed. */
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'must be 1–32 letters, digits or _.-'),
  key: z
    .string()
    .refine((text) => Buffer.from(text, 'base64').length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(text), {
      message: 'must be 32 random bytes, base64 (openssl rand -base64 32)',
    }),
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
      enabled: z.boolean().default(true),
      refreshBefore: durationSeconds(5 * 60, HOUR).default(15 * 60),
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
        }),
    })
    .prefault({}),
  webIdentity: z
    .strictObject({
      /** The `iss` of fedgate's tokens (an IAM OIDC provider must trust it); server.publicUrl when absent. */
      issuer: bareHttpUrl('the iss of the tokens fedgate signs').optional(),
      audience: z.string().min(1).default('sts.amazonaws.com'),
      tokenLifetime: durationSeconds(60, HOUR).default(5 * 60),
      /**
       * PEM private keys (RSA ≥ 2048 bits), newest first: the first signs, all are published
       * in jwks.json. Without keys, fedgate makes one at start (fine for one instance).
       */
      signingKeys: z
        .array(z.strictObject({ id: z.string().min(1).max(64).optional(), privateKey: z.string().min(1) }))
        .default([]),
    })
    .prefault({}),
});

/** The validated `issuance` section, defaults applied. */
export type IssuanceConfig = z.output<typeof issuanceConfigSchema>;
