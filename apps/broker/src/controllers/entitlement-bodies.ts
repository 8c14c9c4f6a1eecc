import { z } from 'zod';

const entitlementFields = {
  accountId: z.string().min(1, 'is required').max(64, 'is too long'),
  permissionSet: z.string().min(1, 'is required').max(64, 'is too long'),
  // GetFederationToken sessions may last up to 36 h; the entitlement's plan clamps every mode.
  durationSeconds: z.number().int('must be a whole number of seconds').min(900).max(129_600).optional(),
};

/** `POST /api/v1/credentials`: one entitlement, optionally for less than its maximum duration. */
export const credentialsBody = z.strictObject(entitlementFields);

/** `POST /api/v1/console`: the same, and where the console should open. */
export const consoleBody = z.strictObject({
  ...entitlementFields,
  destination: z.string().min(1).max(2048, 'is too long').optional(),
});
