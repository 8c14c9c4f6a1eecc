import { evaluateCondition, parseConditionOperator } from './condition-operators';

function check(name: string, policy: string[], request: string[] | undefined): boolean {
  const operator = parseConditionOperator(name);
  if (operator === undefined) {
    throw new Error(`unknown operator ${name}`);
  }
  return evaluateCondition(operator, policy, request);
}

describe('parseConditionOperator', () => {
  it('reads set qualifiers and IfExists', () => {
    expect(parseConditionOperator('ForAnyValue:StringLikeIfExists')).toEqual({
      name: 'ForAnyValue:StringLikeIfExists',
      base: 'StringLike',
      set: 'ForAnyValue',
      ifExists: true,
    });
  });

  it.each(['StringEqual', 'IfExists', 'NullIfExists', 'ForAllValues:Null', 'stringequals', ''])(
    'rejects %j',
    (name) => {
      expect(parseConditionOperator(name)).toBeUndefined();
    },
  );
});

describe('evaluateCondition', () => {
  it.each<[string, string[], string[] | undefined, boolean]>([
    ['StringEquals', ['a', 'b'], ['b'], true],
    ['StringEquals', ['a'], ['A'], false],
    ['StringEquals', ['a'], undefined, false],
    ['StringEqualsIfExists', ['a'], undefined, true],
    ['StringEqualsIfExists', ['a'], ['c'], false],
    ['StringNotEquals', ['a'], undefined, true],
    ['StringNotEquals', ['a', 'b'], ['b'], false],
    ['StringNotEquals', ['a'], ['c'], true],
    ['StringEqualsIgnoreCase', ['ABC'], ['abc'], true],
    ['StringLike', ['alice*'], ['alice.smith'], true],
    ['StringLike', ['a?c'], ['abc'], true],
    ['StringLike', ['a.c'], ['abc'], false],
    ['StringNotLike', ['admin*'], ['alice'], true],
    ['NumericLessThan', ['3600'], ['900'], true],
    ['NumericLessThan', ['3600'], ['not-a-number'], false],
    ['NumericGreaterThanEquals', ['10'], ['10'], true],
    ['NumericNotEquals', ['1'], ['2'], true],
    ['DateGreaterThan', ['2020-01-01T00:00:00Z'], ['2026-01-01T00:00:00Z'], true],
    ['DateLessThan', ['1700000000'], ['2020-01-01T00:00:00Z'], true],
    ['Bool', ['true'], ['true'], true],
    ['Bool', ['true'], ['false'], false],
    ['Bool', ['true'], undefined, false],
    ['BoolIfExists', ['true'], undefined, true],
    ['IpAddress', ['10.0.0.0/8'], ['10.1.2.3'], true],
    ['IpAddress', ['10.0.0.0/8'], ['11.1.2.3'], false],
    ['IpAddress', ['2001:db8::/32'], ['2001:db8::1'], true],
    ['IpAddress', ['10.0.0.0/8'], ['2001:db8::1'], false],
    ['NotIpAddress', ['10.0.0.0/8'], ['127.0.0.1'], true],
    ['ArnLike', ['arn:aws:iam::*:role/fedgate-*'], ['arn:aws:iam::123456789012:role/fedgate-Dev'], true],
    ['ArnNotEquals', ['arn:aws:iam::1:root'], ['arn:aws:iam::2:root'], true],
    ['Null', ['true'], undefined, true],
    ['Null', ['false'], undefined, false],
    ['Null', ['false'], ['x'], true],
    ['ForAnyValue:StringEquals', ['a'], ['b', 'a'], true],
    ['ForAnyValue:StringEquals', ['a'], [], false],
    ['ForAnyValue:StringEquals', ['a'], undefined, false],
    ['ForAllValues:StringEquals', ['a', 'b'], ['a', 'b'], true],
    ['ForAllValues:StringEquals', ['a'], ['a', 'c'], false],
    ['ForAllValues:StringEquals', ['a'], [], true],
    ['ForAllValues:StringEquals', ['a'], undefined, true],
    ['ForAllValues:StringNotEquals', ['secret'], ['a', 'b'], true],
    ['ForAllValues:StringNotEquals', ['secret'], ['a', 'secret'], false],
  ])('%s %j against %j is %s', (name, policy, request, expected) => {
    expect(check(name, policy, request)).toBe(expected);
  });
});
