import { z } from 'zod';

/** Who may use the admin endpoints: named users, or members of groups. */
export const adminsSchema = z.strictObject({
  /** `connectorId:subject` of each admin. */
  users: z
    .array(
      z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}:.+$/, 'must be connectorId:subject, such as corp:jdoe'),
    )
    .default([]),
  /** Members of any of these groups are admins. */
  groups: z.array(z.string().min(1)).default([]),
  /** Only groups from these connectors count (every connector when absent). */
  connectors: z.array(z.string()).min(1).optional(),
});

/** Who may use the admin endpoints. */
export type AdminsConfig = z.output<typeof adminsSchema>;
