import { z } from 'zod';
import { TAG_CHARACTERS } from '@fedgate/aws';
import { parseTemplate } from '../template';

/** A template over identity fields; every placeholder must name a known field. */
const template = z.string().superRefine((text, context) => {
  const parsed = parseTemplate(text);
  if (!parsed.ok) {
    context.addIssue({ code: 'custom', message: parsed.message });
  }
});

/** Settings for session names and the session-tag compiler. */
export const mappingSettingsSchema = z.strictObject({
  /** RoleSessionName template; default: the folded username plus a digest of the subject. */
  roleSessionName: template
    .optional()
    .describe(
      "The RoleSessionName. Default: the username folded to AWS's characters, plus `.` and 8 hex digits of a digest of (connector, subject).",
    ),
  /** SourceIdentity template; default: the username, or folded plus a digest when AWS would refuse it. */
  sourceIdentity: template
    .optional()
    .describe(
      'The SourceIdentity. Either name is used as written when AWS accepts it; otherwise it is folded and gets the digest, so it stays unique.',
    ),
  tags: z
    .strictObject({
      /** Joins multi-valued fields ({{groups}}, attributes). */
      separator: z
        .string()
        .min(1)
        .max(8)
        .regex(
          TAG_CHARACTERS,
          'must be characters AWS allows in a tag value (letters, digits, spaces and _.:/=+-@)',
        )
        .default(':')
        .describe(
          'Joins multi-valued fields (`{{groups}}`, attributes): 1–8 characters allowed in tag values.',
        ),
      /** What to do with a value AWS would refuse: replace the characters (and cut to 256), or refuse to issue. */
      onInvalid: z
        .enum(['replace', 'reject'])
        .default('replace')
        .describe(
          'A value with characters AWS refuses, or over 256 characters: `replace` (characters become `_`, the value is cut, explain notes it) or `reject` (nothing is issued).',
        ),
      /** Add fedgate:mfa and fedgate:auth-time to every session (the trust policy needs sts:TagSession). */
      authTags: z
        .boolean()
        .default(false)
        .describe(
          'Add `fedgate:mfa` (`true`/`false`) and `fedgate:auth-time` (`YYYY-MM-DDTHH:MM:SSZ`) to every session, so IAM policies can require MFA. Roles then need `sts:TagSession`.',
        ),
    })
    .prefault({})
    .describe('How session tag values are compiled.'),
});

/** The validated `mapping` settings. */
export type MappingSettingsConfig = z.output<typeof mappingSettingsSchema>;
