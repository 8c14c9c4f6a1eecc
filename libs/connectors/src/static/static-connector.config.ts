import { z } from 'zod';
import { connectorLogoSchema } from '../connector-logo';
import { connectorIdSchema } from '../connector-id';
import { isFedgateError } from '@fedgate/core';
import { parsePasswordHash } from './password-hash';
import { staticAccount } from './static-account';

const attributeValues = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : [value]));

const staticUserSchema = z.strictObject({
  username: z
    .string()
    .min(1, 'must not be empty')
    .superRefine((value, context) => {
      try {
        staticAccount(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: isFedgateError(error) ? error.message : String(error) });
      }
    }),
  /** Stable id for the user; defaults to the username. */
  subject: z.string().min(1).optional(),
  passwordHash: z.string().superRefine((value, context) => {
    const parsed = parsePasswordHash(value);
    if (typeof parsed === 'string') {
      context.addIssue({ code: 'custom', message: parsed });
    }
  }),
  email: z.email('must be an email address').optional(),
  displayName: z.string().optional(),
  groups: z.array(z.string().min(1)).default([]),
  attributes: z.record(z.string(), attributeValues).default({}),
  /** Whether a login as this user counts as multi-factor (for demos of MFA rules). */
  mfa: z.boolean().default(false),
});

/** Configuration of the static-users connector: users listed in the config, for development, demos and tests. */
export const staticConnectorConfigSchema = z
  .strictObject({
    id: connectorIdSchema,
    type: z.literal('static'),
    name: z.string().optional(),
    /** Shown beside the name on the portal's sign-in page. */
    logo: connectorLogoSchema.optional(),
    users: z.array(staticUserSchema).min(1, 'must list at least one user'),
  })
  .superRefine((config, context) => {
    const seen = new Map<string, number>();
    config.users.forEach((user, index) => {
      const key = accountKey(user.username);
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, index);
      } else {
        context.addIssue({
          code: 'custom',
          path: ['users', index, 'username'],
          message: `duplicates users[${first}].username (usernames ignore case, width and extra spaces)`,
        });
      }
    });
  });

/** The username's account key, or the username itself when it is refused (reported on its own). */
function accountKey(username: string): string {
  try {
    return staticAccount(username);
  } catch {
    return username;
  }
}

export type StaticConnectorConfig = z.infer<typeof staticConnectorConfigSchema>;
export type StaticUserConfig = StaticConnectorConfig['users'][number];
