import { z } from 'zod';
import {
  AWS_LIMITS,
  CONSOLE_HOSTS,
  PARTITIONS,
  ROLE_NAME_WITH_PATH,
  TAG_CHARACTERS,
  isConsoleHost,
  tagKeyProblem,
} from '@fedgate/aws';
import { durationSeconds } from '@fedgate/config';
import { formatDuration } from '@fedgate/core';
import { FEDGATE_TAG_PREFIX, POLICY_ARN_TEMPLATE, ROLE_ARN_TEMPLATE } from '../aws-rules';
import {
  checkPolicyDocument,
  policyTextProblem,
  serializePolicy,
  type PolicyProblem,
} from '../policy-document';
import { parseTemplate } from '../template';
import { configName, issuanceModeSchema } from './names.schema';

/*
 * A permission set's keys (docs/configuration.md). AWS's rules come from
 * @fedgate/aws and the mapping's own compilers, so the config check and the
 * mapping engine cannot disagree about what STS accepts.
 */

const HOUR = 3600;
const DAY = 24 * HOUR;

type Context = z.core.$RefinementCtx;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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
    name: configName.describe(
      'Unique, ignoring case; assignments and the CLI (`--permission-set`) refer to it.',
    ),
    description: z.string().optional().describe('Shown on the portal.'),
    /** How credentials are issued for this set; the account's backend's mode when absent. */
    mode: issuanceModeSchema
      .optional()
      .describe(
        "`assume-role`, `web-identity` or `federation-token` (GetFederationToken: no role, needs a policy). Left out: the mode of the account's backend; a set with no role and a policy is then a GetFederationToken set, which only a `federation-token` backend may issue.",
      ),
    /** The role in each account: `arn:PARTITION:iam::ACCOUNT:role/<roleName>`. */
    roleName: z
      .string()
      .regex(ROLE_NAME_WITH_PATH, 'must be an IAM role name, optionally with a path')
      .optional()
      .describe(
        'The IAM role in each account, optionally with a path (`team/fedgate-ReadOnly`): `arn:PARTITION:iam::ACCOUNT:role/<roleName>`.',
      ),
    /** Overrides roleName; `{{accountId}}` and `{{partition}}` are filled in. */
    roleArn: z
      .string()
      .regex(ROLE_ARN_TEMPLATE, 'must be a role ARN such as arn:aws:iam::{{accountId}}:role/Name')
      .optional()
      .describe(
        'A full role ARN instead of `roleName`; `{{partition}}` and `{{accountId}}` are filled in: `arn:{{partition}}:iam::{{accountId}}:role/Name`. A literal partition or account must match every account the set is granted in.',
      ),
    /** The longest session; AssumeRole allows 15m–12h, GetFederationToken 15m–36h (checked below). */
    sessionDuration: durationSeconds(15 * 60, 36 * HOUR)
      .default(HOUR)
      .describe(
        'The longest session: 15m – 12h with `assume-role` and `web-identity`, 15m – 36h with `federation-token`.',
      ),
    /** The role's own MaxSessionDuration in IAM (1h–12h), when known. */
    maxSessionDuration: durationSeconds(HOUR, 12 * HOUR)
      .optional()
      .describe(
        "The role's own MaxSessionDuration in IAM (1h – 12h), when you want fedgate to check against it: `sessionDuration` may not exceed it.",
      ),
    /** Managed policies that further limit the session (≤ 10; AWS managed or in the role's account). */
    managedPolicyArns: z
      .array(
        z
          .string()
          .regex(
            POLICY_ARN_TEMPLATE,
            'must be a policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess or arn:{{partition}}:iam::{{accountId}}:policy/Name',
          ),
      )
      .max(AWS_LIMITS.maxPolicyArns, `must list at most ${AWS_LIMITS.maxPolicyArns} ARNs (AWS's limit)`)
      .default([])
      .describe(
        "Managed policies that further limit the session (session policies), at most 10: `arn:aws:iam::aws:policy/ReadOnlyAccess` or `arn:{{partition}}:iam::{{accountId}}:policy/Name`. Customer policies must be in the role's account.",
      ),
    /** An inline session policy (IAM policy document), as YAML or as JSON text. */
    sessionPolicy: sessionPolicySchema
      .optional()
      .describe(
        'An inline session policy: an IAM policy document as YAML, or as JSON text. `{{partition}}` and `{{accountId}}` are filled in. See [Session policies](#session-policies).',
      ),
    /** Session tags: key → template over the identity's fields. */
    tags: tagsSchema
      .default({})
      .describe(
        'Session tags: key → template (`Department: "{{attributes.department}}"`). See [Session tags and templates](#session-tags-and-templates).',
      ),
    /** Tag keys that pass on to roles this session assumes in turn. */
    transitiveTagKeys: z
      .array(z.string())
      .max(AWS_LIMITS.maxTransitiveTagKeys, `must list at most ${AWS_LIMITS.maxTransitiveTagKeys} keys`)
      .default([])
      .describe(
        'Keys of `tags` (or `fedgate:mfa`, `fedgate:auth-time` when `mapping.tags.authTags` is on) that pass on when the session assumes another role. At most 50; none with `federation-token`.',
      ),
    /** Only identities whose login was multi-factor get this set. */
    requireMfa: z
      .boolean()
      .default(false)
      .describe('Only identities whose login was multi-factor get this set; others see why in explain.'),
    /** Only identities that authenticated at most this long ago get this set. */
    maxAuthAge: durationSeconds(60, 30 * DAY)
      .optional()
      .describe('Only identities that authenticated at most this long ago (1m – 30d) get this set.'),
    /** Where the console opens by default. */
    consoleDestination: consoleDestination
      .optional()
      .describe(
        "An `https://` page on the partition's AWS console (`console.aws.amazon.com` or a regional `REGION.console.aws.amazon.com`; `console.amazonaws.cn`; `console.amazonaws-us-gov.com`).",
      ),
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

/** A validated permission set, defaults applied and its session policy as compact JSON. */
export type PermissionSetConfig = z.output<typeof permissionSetSchema>;
