import { z } from 'zod';

/** Backend ids, account names and permission set names. */
export const configName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.+=@-]{0,63}$/, 'must be 1–64 letters, digits or _.+=@-');

/** How credentials are issued (docs/issuance.md): the two role modes, and GetFederationToken. */
export const issuanceModeSchema = z.enum(['assume-role', 'web-identity', 'federation-token']);
