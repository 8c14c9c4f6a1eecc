import { z } from 'zod';

/**
 * The `audit` section (docs/configuration.md): where the audit stream goes.
 * `stdout` by default (the application log then goes to stderr); `file` for
 * a file of its own, continued across restarts.
 */
export const auditConfigSchema = z.discriminatedUnion(
  'output',
  [
    z.strictObject({ output: z.literal('stdout') }),
    z.strictObject({
      output: z.literal('file'),
      /** Absolute, or relative to the broker's working directory. */
      path: z.string().min(1),
      /** Each line reaches the disk before the request it records goes on. */
      fsync: z.boolean().default(false),
    }),
  ],
  {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    error: (issue) => (issue.code === 'invalid_union' ? 'output must be one of: stdout, file' : undefined),
  },
);

export type AuditConfig = z.output<typeof auditConfigSchema>;
