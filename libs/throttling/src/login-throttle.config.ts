import { z } from 'zod';
import { durationSeconds } from '@fedgate/config';
import { DEFAULT_LOGIN_THROTTLE, type LoginThrottleLimits } from './login-throttle';

/**
 * The `loginThrottle` section (docs/configuration.md): failed-login
 * throttling for password connectors. The defaults are
 * DEFAULT_LOGIN_THROTTLE's, which trip before a typical directory lockout.
 */
export const loginThrottleConfigSchema = z.strictObject({
  /** Failed logins of one account (per connector) from one client address. */
  maxFailuresPerUserAndClient: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(DEFAULT_LOGIN_THROTTLE.maxFailuresPerUserAndClient)
    .describe('Failures of one account (per connector) from one client address.'),
  /** Failed logins of one account from all clients without its device token together. */
  maxFailuresPerUser: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(DEFAULT_LOGIN_THROTTLE.maxFailuresPerUser)
    .describe(
      'Failures of one account from all clients together, except its own devices (see [`loginThrottle`](#loginthrottle)).',
    ),
  /** Failed logins of one account from the devices that signed in as it before, together. */
  maxFailuresPerDevice: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(DEFAULT_LOGIN_THROTTLE.maxFailuresPerDevice)
    .describe('Failures of one account from the browsers that signed in as it before, together.'),
  /** Failed logins from one client address allowed in a window. */
  maxFailuresPerClient: z
    .number()
    .int()
    .min(1)
    .max(100000)
    .default(DEFAULT_LOGIN_THROTTLE.maxFailuresPerClient)
    .describe("Failures from one client address, whatever the account (and names that are no account's)."),
  /** A count lives this long after its latest failure. */
  window: durationSeconds(60, 24 * 3600)
    .default(DEFAULT_LOGIN_THROTTLE.windowSeconds)
    .describe(
      'A count is forgotten this long after its latest failure (a sliding window, as directories count).',
    ),
  /** How long a device token vouches for a browser after its last successful sign-in. */
  deviceLifetime: durationSeconds(3600, 400 * 24 * 3600)
    .default(DEFAULT_LOGIN_THROTTLE.deviceLifetimeSeconds)
    .describe('How long a browser keeps its device allowance after its last successful sign-in.'),
});

/** The validated `loginThrottle` section. */
export type LoginThrottleConfig = z.output<typeof loginThrottleConfigSchema>;

/** The throttle's limits from the validated `loginThrottle` section. */
export function loginThrottleLimits(section: LoginThrottleConfig): LoginThrottleLimits {
  return {
    maxFailuresPerUserAndClient: section.maxFailuresPerUserAndClient,
    maxFailuresPerUser: section.maxFailuresPerUser,
    maxFailuresPerClient: section.maxFailuresPerClient,
    maxFailuresPerDevice: section.maxFailuresPerDevice,
    windowSeconds: section.window,
    deviceLifetimeSeconds: section.deviceLifetime,
  };
}
