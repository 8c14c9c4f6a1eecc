import { z } from 'zod';
import { durationSeconds } from '@fedgate/config';

/**
 * The `store` section (docs/configuration.md): memory for one instance, or
 * Redis. A Redis key prefix may not be empty: fedgate's keys would mix with
 * whatever else shares the database.
 */
export const storeConfigSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('memory') }),
    z.strictObject({
      type: z.literal('redis'),
      url: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }),
      keyPrefix: z
        .string()
        .min(1, 'must not be empty (fedgate keys would mix with other data in the database)')
        .default('fedgate:'),
      connectTimeout: durationSeconds(1, 60).default(5),
    }),
  ],
  {
    // zod types `issue` as invalid_union only, but input that is not a mapping arrives as invalid_type.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    error: (issue) => (issue.code === 'invalid_union' ? 'type must be one of: memory, redis' : undefined),
  },
);

/** The validated `store` section (seconds; createStore takes milliseconds). */
export type StoreSectionConfig = z.output<typeof storeConfigSchema>;
