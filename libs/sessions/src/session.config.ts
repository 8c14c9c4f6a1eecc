import { z } from 'zod';
import { durationSeconds } from '@fedgate/config';

const HOUR = 3600;

/** The `session` section (docs/configuration.md): how long portal sessions and CLI logins last. */
export const sessionConfigSchema = z.strictObject({
  /** A session unused this long ends. */
  idleTimeout: durationSeconds(5 * 60, 24 * HOUR).default(HOUR),
  /** A session ends this long after login, however active. */
  absoluteTimeout: durationSeconds(15 * 60, 7 * 24 * HOUR).default(12 * HOUR),
});

/** The validated `session` section, in seconds. */
export type SessionConfig = z.output<typeof sessionConfigSchema>;
