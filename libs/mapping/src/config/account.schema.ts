import { z } from 'zod';
import { ACCOUNT_ID, AWS_LIMITS, EXTERNAL_ID_CHARACTERS } from '@fedgate/aws';
import { configName } from './names.schema';

const { minLength, maxLength } = AWS_LIMITS.externalId;

/** One `accounts[]` entry: an AWS account and the backend that issues for it. */
export const accountConfigSchema = z.strictObject({
  id: z.string().regex(ACCOUNT_ID, 'must be a 12-digit AWS account id'),
  name: configName,
  backend: z.string(),
  /** Sent as AssumeRole's ExternalId for this account's roles (mode assume-role). */
  externalId: z
    .string()
    .refine(
      (text) => text.length >= minLength && text.length <= maxLength && EXTERNAL_ID_CHARACTERS.test(text),
      `must be ${minLength}–${maxLength} characters of letters, digits and _+=,.@:/-`,
    )
    .optional(),
});

/** A validated account. */
export type AccountConfig = z.output<typeof accountConfigSchema>;
