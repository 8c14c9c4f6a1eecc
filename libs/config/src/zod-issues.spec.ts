import { z } from 'zod';
import { formatPath } from './issues';
import { englishErrorMap, fromZodIssues } from './zod-issues';

function messages(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input, { error: englishErrorMap });
  if (result.success) {
    throw new Error('expected issues');
  }
  return fromZodIssues(result.error.issues, input).map(
    (issue) => `${formatPath(issue.path)}: ${issue.message}`,
  );
}

describe('englishErrorMap and fromZodIssues', () => {
  const schema = z.strictObject({
    name: z.string().min(1).max(3),
    count: z.number().int().min(1).max(10),
    ratio: z.number().gt(0),
    list: z.array(z.string()).min(2).max(3),
    nonEmpty: z.array(z.string()).min(1),
    kind: z.literal('sts'),
    level: z.enum(['debug', 'info']),
    url: z.url(),
    email: z.email(),
    code: z.string().regex(/^x+$/),
    custom: z.string().regex(/^x+$/, 'must be made of x'),
    flag: z.boolean(),
    nested: z.strictObject({ a: z.string() }).optional(),
    either: z.union([z.string(), z.array(z.string())]).optional(),
  });

  it('says what is wrong in plain English and keeps messages written in the schema', () => {
    expect(
      messages(schema, {
        name: '',
        count: 1.5,
        ratio: 0,
        list: ['a'],
        nonEmpty: [],
        kind: 'iam',
        level: 'loud',
        url: 'not a url',
        email: 'nobody',
        code: 'y',
        custom: 'y',
        flag: null,
        nested: { a: 'b', extra: 1, other: 2 },
        either: [1],
        unknown: true,
      }),
    ).toEqual([
      'name: must not be empty',
      'count: must be a whole number',
      'ratio: must be greater than 0',
      'list: must list at least 2 items',
      'nonEmpty: must not be empty',
      'kind: must be sts',
      'level: must be one of: debug, info',
      'url: must be a URL',
      'email: must be an email address',
      'code: has the wrong format',
      'custom: must be made of x',
      'flag: must be true or false (the value is empty)',
      'nested.extra: unknown key',
      'nested.other: unknown key',
      'either[0]: must be a string (YAML read a number here: put the value in quotes)',
      'unknown: unknown key',
    ]);
  });

  it('reports too-large values and required keys', () => {
    expect(messages(schema, { name: 'abcd', count: 11, list: ['a', 'b', 'c', 'd'], either: 5 })).toEqual([
      'name: must be at most 3 characters',
      'count: must be at most 10',
      'ratio: is required',
      'list: must list at most 3 items',
      'nonEmpty: is required',
      'kind: is required',
      'level: is required',
      'url: is required',
      'email: is required',
      'code: is required',
      'custom: is required',
      'flag: is required',
      'either: must be a string or a list',
    ]);
  });

  it('reports a root of the wrong type at (root)', () => {
    expect(messages(schema, [])).toEqual(['(root): must be a mapping']);
  });
});
