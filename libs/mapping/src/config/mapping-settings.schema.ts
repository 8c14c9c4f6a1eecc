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
  roleSessionName: template.optional(),
  /** SourceIdentity template; default: the username, or folded plus a digest when AWS would refuse it. */
  sourceIdentity: template.optional(),
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
        .default(':'),
      /** What to do with a value AWS would refuse: replace the characters (and cut to 256), or refuse to issue. */
      onInvalid: z.enum(['replace', 'reject']).default('replace'),
      /** Add fedgate:mfa and fedgate:auth-time to every session (the trust policy needs sts:TagSession). */
      authTags: z.boolean().default(false),
    })
    .prefault({}),
});

/** The validated `mapping` settings. */
export type MappingSettingsConfig = z.output<typeof mappingSettingsSchema>;
