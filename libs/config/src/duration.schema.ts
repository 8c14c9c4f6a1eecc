import { z } from 'zod';
import { formatDuration, parseDurationSeconds } from '@fedgate/core';

/** The range of every duration schema, for the published JSON Schema (docs/configuration.md). */
export const durationRanges = z.registry<{
  minSeconds: number;
  maxSeconds: number;
  /** The schema's output (and so its default) is in milliseconds, not seconds. */
  milliseconds?: boolean;
}>();

/**
 * A duration in the config (`900`, `"15m"`, `"1h30m"`), validated against a
 * range and turned into whole seconds.
 */
export function durationSeconds(minSeconds: number, maxSeconds: number) {
  const schema = z.union([z.string(), z.number()]).transform((value, context) => {
    const seconds = parseDurationSeconds(value);
    if (seconds === undefined) {
      context.addIssue({ code: 'custom', message: 'must be a duration such as 900, 15m, 1h or 1h30m' });
      return z.NEVER;
    }
    if (seconds < minSeconds || seconds > maxSeconds) {
      context.addIssue({
        code: 'custom',
        message: `must be between ${formatDuration(minSeconds)} and ${formatDuration(maxSeconds)}`,
      });
      return z.NEVER;
    }
    return seconds;
  });
  durationRanges.add(schema, { minSeconds, maxSeconds });
  return schema;
}
