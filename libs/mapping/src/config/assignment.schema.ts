import { z } from 'zod';
import { durationSeconds } from '@fedgate/config';

const DAY = 24 * 3600;

const nonEmptyList = z.array(z.string().min(1)).min(1, 'must list at least one entry');

/** `groups: [a, b]` is `{ any: [a, b] }`. Patterns may use `*` and `?`. */
const groupsMatch = z
  .union([
    nonEmptyList,
    z
      .strictObject({
        any: nonEmptyList
          .optional()
          .describe('The user is in at least one of these groups (exact names, or globs with `*` and `?`).'),
        all: nonEmptyList
          .optional()
          .describe('The user is in every one of these groups (exact names, or globs with `*` and `?`).'),
      })
      .refine((groups) => groups.any !== undefined || groups.all !== undefined, 'set any, all or both'),
  ])
  .transform((groups) => (Array.isArray(groups) ? { any: groups } : groups));

function validRegex(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'u');
    return undefined;
  } catch (error) {
    return `is not a valid regular expression (${error instanceof Error ? error.message : 'unreadable'})`;
  }
}

/** `department: Data` (equals), `[Data, Eng]` (in), or `{ equals | in | regex }`. */
const attributeCondition = z
  .union([
    z.string(),
    nonEmptyList,
    z
      .strictObject({
        equals: z.string().optional(),
        in: nonEmptyList.optional(),
        regex: z
          .string()
          .max(1000)
          .superRefine((pattern, context) => {
            const problem = validRegex(pattern);
            if (problem !== undefined) {
              context.addIssue({ code: 'custom', message: problem });
            }
          })
          .optional(),
      })
      .refine(
        (condition) =>
          [condition.equals, condition.in, condition.regex].filter((v) => v !== undefined).length === 1,
        'set exactly one of equals, in and regex',
      ),
  ])
  .transform((condition) =>
    typeof condition === 'string'
      ? { equals: condition }
      : Array.isArray(condition)
        ? { in: condition }
        : condition,
  );

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const matchSchema = z
  .strictObject({
    /** Connector ids the rule applies to; every connector when absent. */
    connectors: z
      .array(z.string())
      .min(1, 'must list at least one connector')
      .optional()
      .describe('Connector ids the rule applies to.'),
    /** Group membership: any and/or all of these (exact names or `*`/`?` globs). */
    groups: groupsMatch
      .optional()
      .describe(
        'A list is `any`: the user is in at least one. `all`: in every one. Exact names, or globs with `*` and `?`.',
      ),
    /** Attribute conditions; every one must hold. */
    attributes: z
      .record(z.string().min(1), attributeCondition)
      .optional()
      .describe(
        'Attribute name → `value` (equals), `[a, b]` (in), or `{equals}`, `{in}`, `{regex}`. One matching value is enough.',
      ),
    /** The identity's verified email is in one of these domains. */
    emailDomains: z
      .array(
        z
          .string()
          .transform((domain) => domain.toLowerCase())
          .pipe(z.string().regex(DOMAIN, 'must be a domain name such as corp.example')),
      )
      .min(1, 'must list at least one domain')
      .optional()
      .describe(
        "The user's email is in one of these domains (exactly, ignoring case), and the identity provider verified it.",
      ),
    /** true: only multi-factor logins; false: only logins without it. */
    mfa: z.boolean().optional().describe('`true`: only multi-factor logins; `false`: only logins without.'),
    /** The login happened at most this long ago. */
    maxAuthAge: durationSeconds(60, 30 * DAY)
      .optional()
      .describe('The login happened at most this long ago (1m – 30d).'),
  })
  .refine(
    (match) => Object.values(match as Record<string, unknown>).some((condition) => condition !== undefined),
    'must have at least one condition (connectors, groups, attributes, emailDomains, mfa or maxAuthAge)',
  );

/** A list of names, or `['*']` for every one. */
function grantList(what: string) {
  return z
    .array(z.string().min(1))
    .min(1, `must list at least one ${what}`)
    .refine(
      (items) => !items.includes('*') || items.length === 1,
      `"*" (every ${what}) must be the only entry`,
    );
}

/** An assignment rule: who (match) gets or is refused (effect) which accounts × permission sets. */
export const assignmentSchema = z.strictObject({
  /** A short label shown in traces; defaults to the assignment's position. */
  name: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('A label for traces and explain; unique, ignoring case.'),
  /** allow grants; deny removes, whatever allows it (deny beats allow). */
  effect: z.enum(['allow', 'deny']).default('allow').describe('`allow` or `deny`.'),
  match: matchSchema.describe('Conditions, all of which must hold; at least one.'),
  /** Account ids or names, or `*`. */
  accounts: grantList('account').describe('Account ids or names, or `["*"]` for every account.'),
  /** Permission set names, or `*`. */
  permissionSets: grantList('permission set').describe('Permission set names, or `["*"]` for every one.'),
});

/** A validated assignment rule, shorthands expanded. */
export type AssignmentConfig = z.output<typeof assignmentSchema>;
/** A rule's `match`. */
export type AssignmentMatchConfig = AssignmentConfig['match'];
/** One attribute condition, as `{ equals }`, `{ in }` or `{ regex }`. */
export type AttributeConditionConfig = NonNullable<AssignmentMatchConfig['attributes']>[string];
