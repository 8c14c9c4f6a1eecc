import { z } from 'zod';
import { ACCOUNT_ID, AWS_LIMITS, EXTERNAL_ID_CHARACTERS } from '@fedgate/aws';
import { configName } from './names.schema';

const { minLength, maxLength } = AWS_LIMITS.externalId;

/** One `accounts[]` entry: an AWS account and the backend that issues for it. */
export const accountConfigSchema = z.strictObject({
  id: z
    .string()
    .regex(ACCOUNT_ID, 'must be a 12-digit AWS account id')
    .describe('The 12-digit AWS account id, quoted. Unique.'),
  name: configName.describe(
    "A short name for assignments and the portal. Unique, ignoring case; it must not be another account's id.",
  ),
  backend: z.string().describe('The `id` of the backend that issues credentials for this account.'),
  /** Sent as AssumeRole's ExternalId for this account's roles (mode assume-role). */
  externalId: z
    .string()
    .refine(
      (text) => text.length >= minLength && text.length <= maxLength && EXTERNAL_ID_CHARACTERS.test(text),
      `must be ${minLength}–${maxLength} characters of letters, digits and _+=,.@:/-`,
    )
    .optional()
    .describe(
      "Sent as AssumeRole's `ExternalId` for this account's roles (mode `assume-role`): 2–1224 of letters, digits and `_+=,.@:/-`. Use a reference when it is meant to stay private.",
    ),
});

/** A validated account. */
export type AccountConfig = z.output<typeof accountConfigSchema>;
