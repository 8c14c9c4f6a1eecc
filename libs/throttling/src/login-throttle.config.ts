import { z } from 'zod';
import { durationSeconds } from '@fedgate/config';
import { DEFAULT_LOGIN_THROTTLE } from './login-throttle';

/**
 * The `loginThrottle` section (docs/configuration.md): failed-login
 * throttling for password connectors. The defaults are
 * DEFAULT_LOGIN_THROTTLE's, which trip before a typical directory lockout.
 */
export const loginThrottleConfigSchema = z.strictObject({
  /** Failed logins of one username (per connector) allowed in a window. */
  maxFailuresPerUser: z.number().int().min(1).max(1000).default(DEFAULT_LOGIN_THROTTLE.maxFailuresPerUser),
  /** Failed logins from one client address allowed in a window. */
  maxFailuresPerClient: z
    .number()
    .int()
    .min(1)
    .max(100000)
    .default(DEFAULT_LOGIN_THROTTLE.maxFailuresPerClient),
  window: durationSeconds(60, 24 * 3600).default(DEFAULT_LOGIN_THROTTLE.windowSeconds),
});

/** The validated `loginThrottle` section. */
export type LoginThrottleConfig = z.output<typeof loginThrottleConfigSchema>;
