import { z } from 'zod';

/** Who may use the admin endpoints: named users, or members of groups. */
export const adminsSchema = z.strictObject({
  /** `connectorId:subject` of each admin. */
  users: z
    .array(
      z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}:.+$/, 'must be connectorId:subject, such as corp:jdoe'),
    )
    .default([])
    .describe('`connectorId:subject` of each admin (the subject is immutable, unlike the username).'),
  /** Members of any of these groups are admins. */
  groups: z.array(z.string().min(1)).default([]).describe('Members of any of these groups are admins.'),
  /** Only groups from these connectors count (every connector when absent). */
  connectors: z
    .array(z.string())
    .min(1)
    .optional()
    .describe(
      'Only groups from these connectors count (so a less trusted identity provider cannot make admins).',
    ),
});

/** Who may use the admin endpoints. */
export type AdminsConfig = z.output<typeof adminsSchema>;
