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
    })
    .describe(
      'What the user types. Not empty; unique within the connector, ignoring case (login ignores case too).',
    ),
  /** Stable id for the user; defaults to the username. */
  subject: z
    .string()
    .min(1)
    .optional()
    .describe('The stable id of the user, used to key sessions and audit events.'),
  passwordHash: z
    .string()
    .superRefine((value, context) => {
      const parsed = parsePasswordHash(value);
      if (typeof parsed === 'string') {
        context.addIssue({ code: 'custom', message: parsed });
      }
    })
    .describe(
      'An scrypt hash `$scrypt$ln=N,r=R,p=P$<salt>$<hash>` (base64) with ln 10–20, r 1–16, p 1–4, salt and hash at least 16 bytes. Make one with `fedgate hash-password`.',
    ),
  email: z.email('must be an email address').optional().describe("The user's email, treated as verified."),
  displayName: z.string().optional().describe('A human-readable name.'),
  groups: z.array(z.string().min(1)).default([]).describe('Group names, matched by assignments.'),
  attributes: z
    .record(z.string(), attributeValues)
    .default({})
    .describe(
      'Extra facts about the user, such as `department: Engineering`. A single string is a one-item list.',
    ),
  /** Whether a login as this user counts as multi-factor (for demos of MFA rules). */
  mfa: z
    .boolean()
    .default(false)
    .describe('Whether a login as this user counts as multi-factor (for trying out MFA rules).'),
});

/** Configuration of the static-users connector: users listed in the config, for development, demos and tests. */
export const staticConnectorConfigSchema = z
  .strictObject({
    id: connectorIdSchema,
    type: z.literal('static'),
    name: z.string().optional().describe("Shown on the portal's sign-in page. Default: the id."),
    /** Shown beside the name on the portal's sign-in page. */
    logo: connectorLogoSchema.optional(),
    users: z
      .array(staticUserSchema)
      .min(1, 'must list at least one user')
      .describe('At least one user, with the keys that follow.'),
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
