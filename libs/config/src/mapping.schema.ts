import { z } from 'zod';
import { formatDuration } from '@fedgate/core';
import {
  AWS_LIMITS,
  CONSOLE_HOSTS,
  FEDGATE_TAG_PREFIX,
  PARTITIONS,
  POLICY_ARN,
  ROLE_ARN,
  TAG_CHARACTERS,
  checkPolicyDocument,
  isConsoleHost,
  parseTemplate,
  policyTextProblem,
  serializePolicy,
  tagKeyProblem,
  type PolicyProblem,
} from '@fedgate/mapping';
import { durationSeconds } from './duration.schema';

/**
 * The schema of the mapping keys: permission sets, assignments, admins and
 * the `mapping` settings (docs/configuration.md). AWS's rules themselves
 * live in @fedgate/mapping, so the config check and the mapping engine
 * cannot disagree about what STS accepts.
 */

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Backend ids, account names and permission set names. */
export const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.+=@-]{0,63}$/, 'must be 1–64 letters, digits or _.+=@-');

type Context = z.core.$RefinementCtx;

/** How credentials are issued (DESIGN §6.1): the two role modes, and GetFederationToken. */
export const issuanceMode = z.enum(['assume-role', 'web-identity', 'federation-token']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A template over identity fields; every placeholder must name a known field. */
const template = z.string().superRefine((text, context) => {
  const parsed = parseTemplate(text);
  if (!parsed.ok) {
    context.addIssue({ code: 'custom', message: parsed.message });
  }
});

/** A session tag value template: placeholders, and literal text AWS accepts in a tag value. */
const tagTemplate = z.string().superRefine((text, context) => {
  const parsed = parseTemplate(text);
  if (!parsed.ok) {
    context.addIssue({ code: 'custom', message: parsed.message });
    return;
  }
  const literal = parsed.parts.map((part) => ('literal' in part ? part.literal : '')).join('');
  if (!TAG_CHARACTERS.test(literal)) {
    context.addIssue({
      code: 'custom',
      message:
        'has literal characters AWS does not allow in a tag value (letters, digits, spaces and _.:/=+-@ only)',
    });
  }
  if (literal.length > AWS_LIMITS.tagValueLength.max) {
    context.addIssue({
      code: 'custom',
      message: 'is longer than 256 characters before any field is filled in',
    });
  }
});

const tagsSchema = z.record(z.string(), tagTemplate).superRefine((tags, context) => {
  const seen = new Map<string, string>();
  for (const key of Object.keys(tags)) {
    const problem = tagKeyProblem(key);
    if (problem !== undefined) {
      context.addIssue({ code: 'custom', path: [key], message: problem });
    } else if (key.toLowerCase().startsWith(FEDGATE_TAG_PREFIX)) {
      context.addIssue({
        code: 'custom',
        path: [key],
        message: `tag keys starting with ${FEDGATE_TAG_PREFIX} are fedgate's own (see mapping.tags.authTags)`,
      });
    }
    const folded = key.toLowerCase();
    const earlier = seen.get(folded);
    if (earlier !== undefined) {
      context.addIssue({
        code: 'custom',
        path: [key],
        message: `conflicts with tag "${earlier}": AWS tag keys are case-insensitive`,
      });
    }
    seen.set(folded, key);
  }
  if (Object.keys(tags).length > AWS_LIMITS.maxTags) {
    context.addIssue({
      code: 'custom',
      message: `must have at most ${AWS_LIMITS.maxTags} tags (AWS's limit)`,
    });
  }
});

function addPolicyProblems(problems: readonly PolicyProblem[], context: Context): void {
  for (const problem of problems) {
    context.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  }
}

/**
 * An inline session policy, as a YAML mapping or as JSON text; either way a
 * checked IAM policy document, turned into compact JSON.
 */
const sessionPolicySchema = z
  .union([z.string(), z.record(z.string(), z.unknown())])
  .transform((value, context) => {
    let document: unknown = value;
    if (typeof value === 'string') {
      try {
        document = JSON.parse(value) as unknown;
      } catch (error) {
        const reason = error instanceof Error ? error.message : 'unreadable';
        context.addIssue({ code: 'custom', message: `is not valid JSON (${reason})` });
        return z.NEVER;
      }
    }
    const problems = checkPolicyDocument(document);
    if (problems.length > 0) {
      addPolicyProblems(problems, context);
      return z.NEVER;
    }
    return serializePolicy(document);
  });

const consoleDestination = z
  .url({ protocol: /^https$/, error: 'must be an https:// URL' })
  .superRefine((url, context) => {
    const host = new URL(url).hostname;
    if (!PARTITIONS.some((partition) => isConsoleHost(host, partition))) {
      context.addIssue({
        code: 'custom',
        message: `must be on an AWS console host (${Object.values(CONSOLE_HOSTS).join(', ')} or a regional one)`,
      });
    }
  });

/** A permission set: what a session may do in an account, how long, and with which tags. */
export const permissionSetSchema = z
  .strictObject({
    name,
    description: z.string().optional(),
    /** How credentials are issued for this set; the account's backend's mode when absent. */
    mode: issuanceMode.optional(),
    /** The role in each account: `arn:PARTITION:iam::ACCOUNT:role/<roleName>`. */
    roleName: z
      .string()
      .regex(/^(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/, 'must be an IAM role name, optionally with a path')
      .optional(),
    /** Overrides roleName; `{{accountId}}` and `{{partition}}` are filled in. */
    roleArn: z
      .string()
      .regex(ROLE_ARN, 'must be a role ARN such as arn:aws:iam::{{accountId}}:role/Name')
      .optional(),
    /** The longest session; AssumeRole allows 15m–12h, GetFederationToken 15m–36h (checked below). */
    sessionDuration: durationSeconds(15 * 60, 36 * HOUR).default(HOUR),
    /** The role's own MaxSessionDuration in IAM (1h–12h), when known. */
    maxSessionDuration: durationSeconds(HOUR, 12 * HOUR).optional(),
    /** Managed policies that further limit the session (≤ 10; AWS managed or in the role's account). */
    managedPolicyArns: z
      .array(
        z
          .string()
          .regex(
            POLICY_ARN,
            'must be a policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess or arn:{{partition}}:iam::{{accountId}}:policy/Name',
          ),
      )
      .max(AWS_LIMITS.maxPolicyArns, `must list at most ${AWS_LIMITS.maxPolicyArns} ARNs (AWS's limit)`)
      .default([]),
    /** An inline session policy (IAM policy document), as YAML or as JSON text. */
    sessionPolicy: sessionPolicySchema.optional(),
    /** Session tags: key → template over the identity's fields. */
    tags: tagsSchema.default({}),
    /** Tag keys that pass on to roles this session assumes in turn. */
    transitiveTagKeys: z
      .array(z.string())
      .max(AWS_LIMITS.maxTransitiveTagKeys, `must list at most ${AWS_LIMITS.maxTransitiveTagKeys} keys`)
      .default([]),
    /** Only identities whose login was multi-factor get this set. */
    requireMfa: z.boolean().default(false),
    /** Only identities that authenticated at most this long ago get this set. */
    maxAuthAge: durationSeconds(60, 30 * DAY).optional(),
    /** Where the console opens by default. */
    consoleDestination: consoleDestination.optional(),
  })
  .superRefine(
    (set, context) => {
      // Runs even when a field failed (every mistake at once), so each value is checked for its type.
      const hasRole = set.roleName !== undefined || set.roleArn !== undefined;
      const duration = typeof set.sessionDuration === 'number' ? set.sessionDuration : undefined;
      // A set with no role and no mode is a GetFederationToken set whose backend chooses the mode
      // (the cross-checks make sure that backend's mode is federation-token).
      if (set.mode === 'federation-token' || (set.mode === undefined && !hasRole)) {
        if (hasRole) {
          context.addIssue({
            code: 'custom',
            path: [set.roleName === undefined ? 'roleArn' : 'roleName'],
            message: 'GetFederationToken sessions have no role: remove it, or use mode: assume-role',
          });
        }
        if (set.maxSessionDuration !== undefined) {
          context.addIssue({
            code: 'custom',
            path: ['maxSessionDuration'],
            message: 'applies to roles only (mode: assume-role)',
          });
        }
        const arns: unknown = set.managedPolicyArns;
        if (set.sessionPolicy === undefined && (!Array.isArray(arns) || arns.length === 0)) {
          context.addIssue({
            code: 'custom',
            path: [set.mode === undefined ? 'roleName' : 'sessionPolicy'],
            message:
              set.mode === undefined
                ? 'set roleName or roleArn (or, for GetFederationToken sessions, a sessionPolicy or managedPolicyArns)'
                : 'is required with mode: federation-token (without a policy the session can do nothing)',
          });
        }
        const transitive: unknown = set.transitiveTagKeys;
        if (Array.isArray(transitive) && transitive.length > 0) {
          context.addIssue({
            code: 'custom',
            path: ['transitiveTagKeys'],
            message: 'GetFederationToken session tags cannot be transitive',
          });
        }
      } else {
        if ((set.roleName === undefined) === (set.roleArn === undefined)) {
          context.addIssue({
            code: 'custom',
            path: ['roleName'],
            message: 'set exactly one of roleName and roleArn',
          });
        }
        if (duration !== undefined && duration > AWS_LIMITS.assumeRole.maxSeconds) {
          context.addIssue({
            code: 'custom',
            path: ['sessionDuration'],
            message: 'must be between 15m and 12h',
          });
        }
        const maximum = set.maxSessionDuration;
        if (duration !== undefined && typeof maximum === 'number' && duration > maximum) {
          context.addIssue({
            code: 'custom',
            path: ['sessionDuration'],
            message: `is longer than maxSessionDuration (${formatDuration(maximum)}), the role's own limit`,
          });
        }
      }
      const tags = isRecord(set.tags) ? set.tags : {};
      const keys = Object.keys(tags);
      if (Array.isArray(set.transitiveTagKeys)) {
        set.transitiveTagKeys.forEach((key: unknown, index) => {
          if (
            typeof key !== 'string' ||
            keys.includes(key) ||
            key.toLowerCase().startsWith(FEDGATE_TAG_PREFIX)
          ) {
            return;
          }
          const sameButCase = keys.find((candidate) => candidate.toLowerCase() === key.toLowerCase());
          context.addIssue({
            code: 'custom',
            path: ['transitiveTagKeys', index],
            message:
              sameButCase === undefined
                ? `"${key}" is not one of this set's tags (${keys.length === 0 ? 'it has none' : keys.join(', ')})`
                : `"${key}" is not one of this set's tags (did you mean "${sameButCase}"?)`,
          });
        });
      }
      if (typeof set.sessionPolicy === 'string' || Array.isArray(set.managedPolicyArns)) {
        const policy = typeof set.sessionPolicy === 'string' ? set.sessionPolicy : undefined;
        const arns = Array.isArray(set.managedPolicyArns)
          ? set.managedPolicyArns.filter((arn): arn is string => typeof arn === 'string')
          : [];
        // Counted with the placeholders unfilled: {{accountId}} and {{partition}} are longer
        // than any value they take, so a set that fits here fits in every account.
        const problem = policyTextProblem(policy, arns);
        if (problem !== undefined) {
          context.addIssue({
            code: 'custom',
            path: [policy === undefined ? 'managedPolicyArns' : 'sessionPolicy'],
            message: problem,
          });
        }
      }
    },
    { when: (payload) => isRecord(payload.value) },
  );

const nonEmptyList = z.array(z.string().min(1)).min(1, 'must list at least one entry');

/** `groups: [a, b]` is `{ any: [a, b] }`. Patterns may use `*` and `?`. */
const groupsMatch = z
  .union([
    nonEmptyList,
    z
      .strictObject({ any: nonEmptyList.optional(), all: nonEmptyList.optional() })
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
    connectors: z.array(z.string()).min(1, 'must list at least one connector').optional(),
    /** Group membership: any and/or all of these (exact names or `*`/`?` globs). */
    groups: groupsMatch.optional(),
    /** Attribute conditions; every one must hold. */
    attributes: z.record(z.string().min(1), attributeCondition).optional(),
    /** The identity's verified email is in one of these domains. */
    emailDomains: z
      .array(
        z
          .string()
          .transform((domain) => domain.toLowerCase())
          .pipe(z.string().regex(DOMAIN, 'must be a domain name such as corp.example')),
      )
      .min(1, 'must list at least one domain')
      .optional(),
    /** true: only multi-factor logins; false: only logins without it. */
    mfa: z.boolean().optional(),
    /** The login happened at most this long ago. */
    maxAuthAge: durationSeconds(60, 30 * DAY).optional(),
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
  name: z.string().min(1).max(128).optional(),
  /** allow grants; deny removes, whatever allows it (deny beats allow). */
  effect: z.enum(['allow', 'deny']).default('allow'),
  match: matchSchema,
  /** Account ids or names, or `*`. */
  accounts: grantList('account'),
  /** Permission set names, or `*`. */
  permissionSets: grantList('permission set'),
});

/** Who may use the admin endpoints: named users, or members of groups. */
export const adminsSchema = z.strictObject({
  /** `connectorId:subject` of each admin. */
  users: z
    .array(
      z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}:.+$/, 'must be connectorId:subject, such as corp:jdoe'),
    )
    .default([]),
  /** Members of any of these groups are admins. */
  groups: z.array(z.string().min(1)).default([]),
  /** Only groups from these connectors count (every connector when absent). */
  connectors: z.array(z.string()).min(1).optional(),
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
