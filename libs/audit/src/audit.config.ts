import { z } from 'zod';
import { redisConnectionShape, requireOneRedisTopology } from '@fedgate/store';

/** The audit stream's Redis: the store's connection keys, the stream's name and its trimming. */
const auditRedis = z
  .strictObject({
    ...redisConnectionShape,
    /** The Redis stream the lines are appended to (XADD), shared by every replica. */
    stream: z
      .string()
      .min(1)
      .max(512)
      .default('fedgate:audit')
      .describe('The Redis stream the lines are appended to (XADD), shared by every replica.'),
    /**
     * Approximate MAXLEN trimming: Redis keeps at least this many entries, dropping
     * the oldest. Trimming cuts the chain's start; `fedgate audit verify` then starts
     * from the first entry left (docs/operations.md#audit).
     */
    maxLength: z
      .number()
      .int()
      .min(1000)
      .max(1_000_000_000)
      .optional()
      .describe(
        "Approximate trimming: Redis keeps at least this many entries, dropping the oldest. Trimming cuts the chain's start; `fedgate audit verify` then starts from the first entry left.",
      ),
  })
  .superRefine(requireOneRedisTopology);

/**
 * The `audit` section (docs/configuration.md): where the audit stream goes.
 * `stdout` by default (the application log then goes to stderr); `file` for
 * a file of its own, continued across restarts; `redis` for a Redis stream
 * that every replica appends to as one chain.
 */
export const auditConfigSchema = z.discriminatedUnion(
  'output',
  [
    z.strictObject({ output: z.literal('stdout') }),
    z.strictObject({
      output: z.literal('file'),
      /** Absolute, or relative to the broker's working directory. */
      path: z
        .string()
        .min(1)
        .describe(
          "The file, absolute or relative to the broker's working directory; created with mode 0600 and continued across restarts (its chain too); a symlink is refused.",
        ),
      /** fsync once per group of lines, before their requests are answered. */
      fsync: z
        .boolean()
        .default(false)
        .describe(
          'Each group of lines reaches the disk (one fsync per group) before the answers of the requests that recorded them leave.',
        ),
    }),
    z.strictObject({
      output: z.literal('redis'),
      redis: auditRedis.describe(
        "The Redis the stream lives in: the same connection keys as the `store`'s (`url`, or `sentinel` / `cluster` with `username`, `password`, `tls`; `connectTimeout`), plus `stream` and `maxLength`.",
      ),
    }),
  ],
  {
    error: (issue) =>
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      issue.code === 'invalid_union' ? 'output must be one of: stdout, file, redis' : undefined,
  },
);

export type AuditConfig = z.output<typeof auditConfigSchema>;

/** The `audit.redis` keys as validated. */
export type AuditRedisConfig = z.output<typeof auditRedis>;
