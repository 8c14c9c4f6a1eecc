import type { z } from 'zod';
import type { ConfigPath, PathIssue } from './issues';

type ZodIssue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

/** The message for a key a strict object does not know. */
export const UNKNOWN_KEY_MESSAGE = 'unknown key';

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  set: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
};

// Formats the config uses; zod has dozens more, described generically.
const FORMAT_MESSAGES: Record<string, string> = {
  url: 'must be a URL',
  email: 'must be an email address',
  regex: 'has the wrong format',
};

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) {
      return undefined;
    }
    // Own properties only: `constructor` or `__proto__` in a path must not find Object's.
    value = Object.hasOwn(value, segment) ? (value as Record<PropertyKey, unknown>)[segment] : undefined;
  }
  return value;
}

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? `a ${expected}`;
}

function describeType(issue: Extract<RawIssue, { code: 'invalid_type' }>): string {
  const { expected, input } = issue;
  if (input === undefined) {
    return 'is required';
  }
  if (input === null) {
    // `key:` with nothing after it is null in YAML; say so, since nothing is visibly wrong.
    return `must be ${typeName(expected)} (the value is empty)`;
  }
  if (expected === 'string' && (typeof input === 'number' || typeof input === 'boolean')) {
    // YAML reads 123456789012 or `true` as a number or a boolean; quoting fixes it. The value
    // itself is not repeated: messages never echo input.
    return `must be a string (YAML read a ${typeof input} here: put the value in quotes)`;
  }
  if (expected === 'number' && typeof input === 'number') {
    return 'must be a finite number';
  }
  return `must be ${typeName(expected)}`;
}

function describeSize(
  origin: string,
  bound: number | bigint,
  comparison: 'at least' | 'at most' | 'greater than' | 'less than',
): string {
  switch (origin) {
    case 'string':
      return bound === 1 && comparison === 'at least'
        ? 'must not be empty'
        : `must be ${comparison} ${bound} characters`;
    case 'array':
    case 'set':
      return bound === 1 && comparison === 'at least'
        ? 'must not be empty'
        : `must list ${comparison} ${bound} items`;
    default:
      return `must be ${comparison} ${bound}`;
  }
}

interface Discriminated {
  discriminator: string;
  options: readonly unknown[];
}

/** The discriminator and its allowed values, when the issue is a discriminated union's. */
function discriminatedBy(issue: { discriminator?: string | undefined }): Discriminated | undefined {
  const options: unknown = 'options' in issue ? issue.options : undefined;
  return issue.discriminator !== undefined && Array.isArray(options)
    ? { discriminator: issue.discriminator, options }
    : undefined;
}

function listValues(values: readonly unknown[]): string {
  return values.map((value) => String(value)).join(', ');
}

function describeUnion(issue: Extract<RawIssue, { code: 'invalid_union' }>): string {
  const discriminated = discriminatedBy(issue);
  if (discriminated) {
    const present = valueAt(issue.input, [discriminated.discriminator]) !== undefined;
    return present ? `must be one of: ${listValues(discriminated.options)}` : 'is required';
  }
  // A union of plain types (a duration is a string or a number): name the alternatives.
  const expected = issue.errors.map((branch) => {
    const [only] = branch;
    return branch.length === 1 && only?.code === 'invalid_type' && only.path.length === 0
      ? only.expected
      : undefined;
  });
  if (expected.length > 0 && expected.every((type) => type !== undefined)) {
    return `must be ${[...new Set(expected.map(typeName))].join(' or ')}`;
  }
  return 'does not match any of the allowed forms';
}

/**
 * A zod error map that says what is wrong in plain English. Zod consults it
 * only for issues whose schema has no message of its own, so messages
 * written in the schema are kept as they are. It never repeats the input:
 * the input may be a secret.
 */
export function englishErrorMap(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return describeType(issue);
    case 'too_small':
      return describeSize(
        issue.origin,
        issue.minimum,
        issue.inclusive === false ? 'greater than' : 'at least',
      );
    case 'too_big':
      return describeSize(issue.origin, issue.maximum, issue.inclusive === false ? 'less than' : 'at most');
    case 'invalid_format':
      return FORMAT_MESSAGES[issue.format] ?? `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return UNKNOWN_KEY_MESSAGE;
    case 'invalid_union':
      return describeUnion(issue);
    case 'invalid_key':
      return 'has a key that is not allowed';
    case 'invalid_element':
      return 'has an entry that is not allowed';
    case 'invalid_value':
      if (issue.input === undefined) {
        return 'is required';
      }
      return issue.values.length === 1
        ? `must be ${listValues(issue.values)}`
        : `must be one of: ${listValues(issue.values)}`;
    case 'custom':
      return issue.message ?? 'is not valid';
  }
}

function toPath(path: readonly PropertyKey[]): ConfigPath {
  return path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
}

/**
 * Issues of one branch that got past the type check, when exactly one did:
 * then that branch is what the author meant, and its issues say more than
 * "does not match".
 */
function onlyMatchingBranch(issue: Extract<ZodIssue, { code: 'invalid_union' }>): ZodIssue[] | undefined {
  const deeper = issue.errors.filter(
    (branch) => !branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
  );
  return deeper.length === 1 ? deeper[0] : undefined;
}

/**
 * Turns the issues of a failed `safeParse` (run with `englishErrorMap`) into
 * path-addressed issues: one per unknown key, discriminator problems at the
 * discriminator with a message that does not repeat its name, and union
 * issues resolved to the branch the author evidently meant.
 */
export function fromZodIssues(
  issues: readonly ZodIssue[],
  input: unknown,
  prefix: ConfigPath = [],
): PathIssue[] {
  return issues.flatMap((issue): PathIssue[] => {
    const path = [...prefix, ...toPath(issue.path)];
    const missing = valueAt(input, path) === undefined;
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: UNKNOWN_KEY_MESSAGE }));
    }
    if (issue.code === 'invalid_union') {
      const discriminated = discriminatedBy(issue);
      if (discriminated) {
        // Schemas give these their own message ("type must be one of: …") because zod's is
        // unhelpful; at `store.type` the name is already in the path, so say it once.
        const message = missing ? 'is required' : `must be one of: ${listValues(discriminated.options)}`;
        return [{ path, message }];
      }
      const branch = onlyMatchingBranch(issue);
      return branch ? fromZodIssues(branch, input, path) : [{ path, message: issue.message }];
    }
    if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && missing) {
      // A schema's own message describes a wrong value ("must be a redis:// URL"); for a
      // value that is not there at all, "is required" says more.
      return [{ path, message: 'is required' }];
    }
    return [{ path, message: issue.message }];
  });
}
