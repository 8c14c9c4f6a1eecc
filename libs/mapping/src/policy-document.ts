import { AWS_LIMITS, POLICY_DISALLOWED_CHARACTER } from '@fedgate/aws';

/** A problem inside a policy document; `path` is relative to the document. */
export interface PolicyProblem {
  path: (string | number)[];
  message: string;
}

const VERSIONS = ['2012-10-17', '2008-10-17'];
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
  'Principal',
  'NotPrincipal',
]);
// `service:Action`, with IAM's wildcards; `*` alone means every action.
const ACTION = /^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/;
const SID = /^[A-Za-z0-9]*$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Action`, `Resource` and friends: one string or a non-empty list of strings. */
function stringOrList(
  value: unknown,
  path: (string | number)[],
  check: (item: string) => string | undefined,
): PolicyProblem[] {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  if (Array.isArray(value) && value.length === 0) {
    return [{ path, message: 'must not be an empty list' }];
  }
  return items.flatMap((item, index) => {
    const itemPath = Array.isArray(value) ? [...path, index] : path;
    if (typeof item !== 'string') {
      return [{ path: itemPath, message: 'must be a string' }];
    }
    const message = check(item);
    return message === undefined ? [] : [{ path: itemPath, message }];
  });
}

function checkCondition(value: unknown, path: (string | number)[]): PolicyProblem[] {
  if (!isObject(value)) {
    return [{ path, message: 'must be a mapping of condition operators' }];
  }
  return Object.entries(value).flatMap(([operator, block]) => {
    if (!isObject(block)) {
      return [{ path: [...path, operator], message: 'must be a mapping of condition keys to values' }];
    }
    return Object.entries(block).flatMap(([key, operand]) => {
      const values = Array.isArray(operand) ? (operand as unknown[]) : [operand];
      const scalar = values.every((item) => ['string', 'number', 'boolean'].includes(typeof item));
      return scalar
        ? []
        : [{ path: [...path, operator, key], message: 'must be a value or a list of values' }];
    });
  });
}

function exactlyOne(
  statement: Record<string, unknown>,
  path: (string | number)[],
  positive: string,
  negative: string,
): PolicyProblem[] {
  const has = Object.hasOwn(statement, positive);
  const hasNot = Object.hasOwn(statement, negative);
  if (has && hasNot) {
    return [{ path: [...path, negative], message: `use ${positive} or ${negative}, not both` }];
  }
  if (!has && !hasNot) {
    return [{ path, message: `needs ${positive} (or ${negative})` }];
  }
  return [];
}

function checkStatement(
  statement: unknown,
  path: (string | number)[],
  sids: Map<string, number>,
): PolicyProblem[] {
  if (!isObject(statement)) {
    return [{ path, message: 'must be a mapping (a policy statement)' }];
  }
  const problems: PolicyProblem[] = [];
  for (const key of Object.keys(statement)) {
    if (!STATEMENT_KEYS.has(key)) {
      problems.push({ path: [...path, key], message: 'unknown policy statement key' });
    } else if (key === 'Principal' || key === 'NotPrincipal') {
      // A session policy is an identity-based policy: the principal is the session itself.
      problems.push({
        path: [...path, key],
        message: 'is not allowed: a session policy applies to the session itself',
      });
    }
  }
  const { Sid: sid, Effect: effect } = statement;
  if (sid !== undefined) {
    if (typeof sid !== 'string' || !SID.test(sid)) {
      problems.push({ path: [...path, 'Sid'], message: 'must be letters and digits only' });
    } else if (sids.has(sid)) {
      problems.push({
        path: [...path, 'Sid'],
        message: `duplicates the Sid of Statement[${sids.get(sid) ?? 0}]`,
      });
    } else {
      sids.set(sid, Number(path[path.length - 1] ?? 0));
    }
  }
  if (effect !== 'Allow' && effect !== 'Deny') {
    problems.push({
      path: [...path, 'Effect'],
      message: effect === undefined ? 'is required (Allow or Deny)' : 'must be Allow or Deny',
    });
  }
  problems.push(...exactlyOne(statement, path, 'Action', 'NotAction'));
  problems.push(...exactlyOne(statement, path, 'Resource', 'NotResource'));
  for (const key of ['Action', 'NotAction']) {
    if (Object.hasOwn(statement, key)) {
      problems.push(
        ...stringOrList(statement[key], [...path, key], (action) =>
          ACTION.test(action) ? undefined : `"${action}" is not an action such as s3:GetObject`,
        ),
      );
    }
  }
  for (const key of ['Resource', 'NotResource']) {
    if (Object.hasOwn(statement, key)) {
      problems.push(
        ...stringOrList(statement[key], [...path, key], (resource) =>
          resource === '*' || resource.startsWith('arn:') ? undefined : `"${resource}" is not * or an ARN`,
        ),
      );
    }
  }
  if (Object.hasOwn(statement, 'Condition')) {
    problems.push(...checkCondition(statement.Condition, [...path, 'Condition']));
  }
  return problems;
}

/**
 * Checks an IAM policy document for use as an STS session policy: Version
 * `2012-10-17` (or the legacy `2008-10-17`), Statement as one statement or a
 * non-empty list, each with Effect Allow|Deny, exactly one of
 * Action/NotAction and of Resource/NotResource, unique Sids, a well-formed
 * Condition, and no Principal (session policies are identity-based). Returns
 * every problem, empty when the document is acceptable.
 */
export function checkPolicyDocument(document: unknown): PolicyProblem[] {
  if (!isObject(document)) {
    return [{ path: [], message: 'must be an IAM policy document (a mapping with Version and Statement)' }];
  }
  const problems: PolicyProblem[] = [];
  for (const key of Object.keys(document)) {
    if (!['Version', 'Id', 'Statement'].includes(key)) {
      problems.push({ path: [key], message: 'unknown policy key (Version, Id and Statement are allowed)' });
    }
  }
  if (!VERSIONS.includes(document.Version as string)) {
    problems.push({
      path: ['Version'],
      message:
        document.Version === undefined
          ? 'is required: "2012-10-17"'
          : 'must be "2012-10-17" (or the legacy "2008-10-17"); quote it in YAML',
    });
  }
  const { Statement: statement } = document;
  const sids = new Map<string, number>();
  if (statement === undefined) {
    problems.push({ path: ['Statement'], message: 'is required' });
  } else if (Array.isArray(statement)) {
    if (statement.length === 0) {
      problems.push({ path: ['Statement'], message: 'must list at least one statement' });
    }
    statement.forEach((item: unknown, index) => {
      problems.push(...checkStatement(item, ['Statement', index], sids));
    });
  } else {
    problems.push(...checkStatement(statement, ['Statement'], sids));
  }
  return problems;
}

/**
 * The policy as fedgate sends it: compact JSON, because AWS counts the
 * characters of the text it receives and whitespace would only spend budget.
 */
export function serializePolicy(document: unknown): string {
  return JSON.stringify(document);
}

/**
 * Characters AWS counts against the 2048 session-policy budget: the inline
 * policy text plus the text of every managed policy ARN (AWS: "The plaintext
 * that you use for both inline and managed session policies can't exceed
 * 2,048 characters").
 */
export function policyCharacters(policy: string | undefined, policyArns: readonly string[]): number {
  return (policy?.length ?? 0) + policyArns.reduce((total, arn) => total + arn.length, 0);
}

/** A problem with policy text AWS would refuse, or undefined. */
export function policyTextProblem(
  policy: string | undefined,
  policyArns: readonly string[],
): string | undefined {
  const bad = policy === undefined ? null : POLICY_DISALLOWED_CHARACTER.exec(policy);
  if (bad) {
    const code = bad[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0') ?? '';
    return `has the character U+${code}; AWS allows only tab, LF, CR and U+0020–U+00FF in session policies`;
  }
  const used = policyCharacters(policy, policyArns);
  if (used > AWS_LIMITS.maxPolicyCharacters) {
    return `inline policy plus managed policy ARNs is ${used} characters; AWS allows ${AWS_LIMITS.maxPolicyCharacters}`;
  }
  return undefined;
}
