/**
 * IAM policy documents as sts-local reads them: trust policies (with
 * Principal, without Resource) and session policies (with Resource, without
 * Principal). Parsing checks the grammar of the IAM JSON policy reference
 * (Version, Statement, Effect, Principal/NotPrincipal, Action/NotAction,
 * Condition operators) so that a policy evaluated later has a known shape.
 */
import { parseConditionOperator, type ConditionOperator } from './condition-operators';

/** The principals a statement names, by kind (`AWS`, `Federated`, `Service`); `*` is `{ any: true }`. */
export interface PrincipalSet {
  any: boolean;
  aws: string[];
  federated: string[];
  service: string[];
}

/** One `Condition` test: an operator over one key with one or more values. */
export interface ConditionTest {
  operator: ConditionOperator;
  /** Condition keys are case-insensitive in IAM; kept lower-cased. */
  key: string;
  values: string[];
}

/** One parsed statement. */
export interface PolicyStatement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  principal?: PrincipalSet;
  notPrincipal?: PrincipalSet;
  actions?: string[];
  notActions?: string[];
  conditions: ConditionTest[];
}

/** A parsed policy document. */
export interface PolicyDocument {
  statements: PolicyStatement[];
}

/** Which kind of policy a document is; each forbids different elements. */
export type PolicyKind = 'trust' | 'session';

/** A parsed policy, or why it is malformed (a message in AWS's MalformedPolicyDocument style). */
export type PolicyParseResult = { ok: true; policy: PolicyDocument } | { ok: false; message: string };

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

class Malformed extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, what: string): string[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((item): item is string => typeof item === 'string' && item !== '')) {
    throw new Malformed(`${what} must be a string or a list of strings`);
  }
  return list;
}

function conditionValues(value: unknown, what: string): string[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  // IAM accepts numbers and booleans as condition values and compares their text.
  if (!list.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) {
    throw new Malformed(`${what} must be a value or a list of values`);
  }
  return list.map((item) => String(item));
}

function principalSet(value: unknown, element: string): PrincipalSet {
  if (value === '*') {
    return { any: true, aws: [], federated: [], service: [] };
  }
  if (!isRecord(value)) {
    throw new Malformed(`${element} must be "*" or a mapping such as {"AWS": "arn:…"}`);
  }
  const set: PrincipalSet = { any: false, aws: [], federated: [], service: [] };
  for (const [kind, entries] of Object.entries(value)) {
    const list = stringList(entries, `${element}.${kind}`);
    switch (kind) {
      case 'AWS':
        set.aws.push(...list);
        break;
      case 'Federated':
        set.federated.push(...list);
        break;
      case 'Service':
        set.service.push(...list);
        break;
      default:
        throw new Malformed(`Invalid principal in policy: ${element} has unknown kind "${kind}"`);
    }
  }
  return set;
}

function conditions(value: unknown): ConditionTest[] {
  if (value === undefined) {
    return [];
  }
  if (!isRecord(value)) {
    throw new Malformed('Condition must be a mapping of operators');
  }
  const tests: ConditionTest[] = [];
  for (const [operatorName, block] of Object.entries(value)) {
    const operator = parseConditionOperator(operatorName);
    if (operator === undefined) {
      throw new Malformed(`Invalid Condition type : ${operatorName}`);
    }
    if (!isRecord(block)) {
      throw new Malformed(`Condition ${operatorName} must map keys to values`);
    }
    for (const [key, values] of Object.entries(block)) {
      tests.push({ operator, key: key.toLowerCase(), values: conditionValues(values, `Condition ${key}`) });
    }
  }
  return tests;
}

function statement(value: unknown, kind: PolicyKind): PolicyStatement {
  if (!isRecord(value)) {
    throw new Malformed('each Statement must be a mapping');
  }
  for (const key of Object.keys(value)) {
    if (!STATEMENT_KEYS.has(key)) {
      throw new Malformed(`Statement has an unknown field ${key}`);
    }
  }
  const { Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition } = value;
  if (Effect !== 'Allow' && Effect !== 'Deny') {
    throw new Malformed('Effect must be Allow or Deny');
  }
  if ((Action === undefined) === (NotAction === undefined)) {
    throw new Malformed('a Statement needs exactly one of Action and NotAction');
  }
  if (kind === 'trust') {
    if (Resource !== undefined || NotResource !== undefined) {
      throw new Malformed('Has prohibited field Resource');
    }
    if ((Principal === undefined) === (NotPrincipal === undefined)) {
      throw new Malformed('a trust policy Statement needs exactly one of Principal and NotPrincipal');
    }
  } else {
    if (Principal !== undefined || NotPrincipal !== undefined) {
      throw new Malformed('Policy document should not specify a principal.');
    }
    if ((Resource === undefined) === (NotResource === undefined)) {
      throw new Malformed('a Statement needs exactly one of Resource and NotResource');
    }
  }
  if (Sid !== undefined && typeof Sid !== 'string') {
    throw new Malformed('Sid must be a string');
  }
  return {
    ...(Sid === undefined ? {} : { sid: Sid }),
    effect: Effect,
    ...(Principal === undefined ? {} : { principal: principalSet(Principal, 'Principal') }),
    ...(NotPrincipal === undefined ? {} : { notPrincipal: principalSet(NotPrincipal, 'NotPrincipal') }),
    ...(Action === undefined ? {} : { actions: stringList(Action, 'Action') }),
    ...(NotAction === undefined ? {} : { notActions: stringList(NotAction, 'NotAction') }),
    conditions: conditions(Condition),
  };
}

/**
 * Parses a policy given as JSON text or as an already-parsed object.
 * Never throws: a malformed document is a result, reported by the caller as
 * MalformedPolicyDocument (requests) or a config issue (trust policies).
 */
export function parsePolicyDocument(input: unknown, kind: PolicyKind): PolicyParseResult {
  try {
    let data: unknown = input;
    if (typeof input === 'string') {
      try {
        data = JSON.parse(input);
      } catch {
        throw new Malformed('Syntax errors in policy.');
      }
    }
    if (!isRecord(data)) {
      throw new Malformed('a policy must be a JSON object');
    }
    for (const key of Object.keys(data)) {
      if (key !== 'Version' && key !== 'Statement' && key !== 'Id') {
        throw new Malformed(`the policy has an unknown field ${key}`);
      }
    }
    if (data.Version !== undefined && (typeof data.Version !== 'string' || !VERSIONS.has(data.Version))) {
      throw new Malformed('The policy must contain a valid version string');
    }
    const raw: unknown[] = Array.isArray(data.Statement) ? data.Statement : [data.Statement];
    if (data.Statement === undefined || raw.length === 0) {
      throw new Malformed('the policy has no Statement');
    }
    return { ok: true, policy: { statements: raw.map((item) => statement(item, kind)) } };
  } catch (error) {
    if (error instanceof Malformed) {
      return { ok: false, message: error.message };
    }
    throw error;
  }
}
