/**
 * IAM condition operators (IAM JSON policy reference, "Condition operators"):
 * how one operator compares the request's values of a key with the policy's.
 */
import { BlockList, isIP } from 'node:net';

const BASE_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
] as const;

/** An operator's base name, such as StringLike. */
export type BaseOperator = (typeof BASE_OPERATORS)[number];

/** A parsed operator: its base, the set qualifier, and whether IfExists was appended. */
export interface ConditionOperator {
  name: string;
  base: BaseOperator;
  set: 'single' | 'ForAnyValue' | 'ForAllValues';
  ifExists: boolean;
}

const NEGATED = new Set<BaseOperator>([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'NotIpAddress',
  'ArnNotEquals',
  'ArnNotLike',
]);

/** Parses `ForAnyValue:StringLikeIfExists` and the like; undefined for an unknown operator. */
export function parseConditionOperator(name: string): ConditionOperator | undefined {
  let rest = name;
  let set: ConditionOperator['set'] = 'single';
  for (const qualifier of ['ForAnyValue', 'ForAllValues'] as const) {
    if (rest.startsWith(`${qualifier}:`)) {
      set = qualifier;
      rest = rest.slice(qualifier.length + 1);
    }
  }
  const ifExists = rest.endsWith('IfExists') && rest !== 'IfExists';
  if (ifExists) {
    rest = rest.slice(0, -'IfExists'.length);
  }
  const base = BASE_OPERATORS.find((candidate) => candidate === rest);
  if (base === undefined || (base === 'Null' && (ifExists || set !== 'single'))) {
    return undefined;
  }
  return { name, base, set, ifExists };
}

function globToRegExp(pattern: string, flags = ''): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, `s${flags}`);
}

function parseNumber(text: string): number | undefined {
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? undefined : value;
}

/** Dates are ISO 8601 or epoch seconds (IAM accepts both). */
function parseDate(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  const value = Date.parse(text);
  return Number.isNaN(value) ? undefined : value;
}

function inCidr(address: string, cidr: string): boolean {
  const [network = '', prefixText] = cidr.split('/');
  const family = isIP(network);
  if (family === 0 || isIP(address) !== family) {
    return false;
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
  const list = new BlockList();
  try {
    list.addSubnet(network, prefix, type);
  } catch {
    return false;
  }
  return list.check(address, type);
}

function compare(
  left: number | undefined,
  right: number | undefined,
  test: (a: number, b: number) => boolean,
): boolean {
  return left !== undefined && right !== undefined && test(left, right);
}

/** Whether one request value satisfies one policy value under the positive form of the operator. */
function matchesPositive(base: BaseOperator, value: string, policy: string): boolean {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return value === policy;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return value.toLowerCase() === policy.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
      return globToRegExp(policy).test(value);
    case 'ArnEquals':
    case 'ArnNotEquals':
    case 'ArnLike':
    case 'ArnNotLike':
      return globToRegExp(policy).test(value);
    case 'NumericEquals':
    case 'NumericNotEquals':
      return compare(parseNumber(value), parseNumber(policy), (a, b) => a === b);
    case 'NumericLessThan':
      return compare(parseNumber(value), parseNumber(policy), (a, b) => a < b);
    case 'NumericLessThanEquals':
      return compare(parseNumber(value), parseNumber(policy), (a, b) => a <= b);
    case 'NumericGreaterThan':
      return compare(parseNumber(value), parseNumber(policy), (a, b) => a > b);
    case 'NumericGreaterThanEquals':
      return compare(parseNumber(value), parseNumber(policy), (a, b) => a >= b);
    case 'DateEquals':
    case 'DateNotEquals':
      return compare(parseDate(value), parseDate(policy), (a, b) => a === b);
    case 'DateLessThan':
      return compare(parseDate(value), parseDate(policy), (a, b) => a < b);
    case 'DateLessThanEquals':
      return compare(parseDate(value), parseDate(policy), (a, b) => a <= b);
    case 'DateGreaterThan':
      return compare(parseDate(value), parseDate(policy), (a, b) => a > b);
    case 'DateGreaterThanEquals':
      return compare(parseDate(value), parseDate(policy), (a, b) => a >= b);
    case 'Bool':
      return value.toLowerCase() === policy.toLowerCase();
    case 'IpAddress':
    case 'NotIpAddress':
      return inCidr(value, policy);
    case 'Null':
      return false;
  }
}

/**
 * Evaluates one condition test. `requestValues` is undefined when the key is
 * absent from the request context. Follows the IAM rules: values in the
 * policy are ORed; a missing key fails positive operators and satisfies
 * negated ones; IfExists makes a missing key pass; ForAnyValue needs one
 * request value to match (and fails on an empty set); ForAllValues needs
 * every request value to match (and passes on an empty set).
 */
export function evaluateCondition(
  operator: ConditionOperator,
  policyValues: readonly string[],
  requestValues: readonly string[] | undefined,
): boolean {
  if (operator.base === 'Null') {
    const absent = requestValues === undefined || requestValues.length === 0;
    return policyValues.some((policy) => (policy.toLowerCase() === 'true') === absent);
  }
  const negated = NEGATED.has(operator.base);
  const matchesAny = (value: string) => policyValues.some((p) => matchesPositive(operator.base, value, p));
  const satisfies = (value: string) => (negated ? !matchesAny(value) : matchesAny(value));
  const missing = requestValues === undefined || requestValues.length === 0;
  switch (operator.set) {
    case 'single': {
      if (missing) {
        return operator.ifExists || negated;
      }
      return requestValues.some(satisfies);
    }
    case 'ForAnyValue':
      return missing ? operator.ifExists : requestValues.some(satisfies);
    case 'ForAllValues':
      return missing ? true : requestValues.every(satisfies);
  }
}
