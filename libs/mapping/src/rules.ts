import type { Identity } from '@fedgate/core';
import type { AssignmentConfig, AttributeConditionConfig } from './config';
import { formatDuration } from '@fedgate/core';
import type { ConditionTrace } from './entitlement';

/** What conditions look at, prepared once per evaluation. */
export interface MatchContext {
  identity: Identity;
  /** Answers whether the identity is in a group (a Set, or a search of groups already sorted). */
  groups: GroupLookup;
  /** Milliseconds since the epoch, for auth age. */
  now: number;
  /** The identity's groups in code-unit order, sorted on first use by a glob. */
  sortedGroups?: readonly string[];
  /** Globs scan the groups instead of sorting them (a context testing only a few rules). */
  scanGlobs?: boolean;
}

/** Prepares what conditions read, once per evaluation, for every rule. */
export function matchContext(identity: Identity, now: number): MatchContext {
  return { identity, groups: new Set(identity.groups), now };
}

/** Membership of the identity's groups. */
export interface GroupLookup {
  has(group: string): boolean;
}

/** Whether every group is greater than the one before (code-unit order, no duplicates). */
export function strictlySorted(groups: readonly string[]): boolean {
  for (let index = 1; index < groups.length; index += 1) {
    if (!((groups[index - 1] ?? '') < (groups[index] ?? ''))) {
      return false;
    }
  }
  return true;
}

/**
 * A context for testing a few rules: connectors hand out groups sorted and
 * unique (docs/connectors), so after one cheap ordered pass a binary search
 * answers each lookup, and globs search by prefix, instead of hashing
 * hundreds of groups into a Set. Groups in any other order get a Set, with
 * the same answers.
 */
export function lookupContext(identity: Identity, now: number): MatchContext {
  const { groups } = identity;
  if (!strictlySorted(groups)) {
    return { identity, groups: new Set(groups), now, scanGlobs: true };
  }
  return {
    identity,
    groups: { has: (group) => groups[lowerBound(groups, group)] === group },
    now,
    sortedGroups: groups,
  };
}

/**
 * One compiled condition of a rule's match: `holds` answers whether it
 * holds and builds nothing (the request path); `trace` says why (explain).
 * The two always agree (libs/mapping/src/indexed-evaluation.spec.ts).
 */
export interface Condition {
  holds(context: MatchContext): boolean;
  trace(context: MatchContext): ConditionTrace;
}

/** An assignment rule ready to evaluate. */
export interface CompiledRule {
  /** The rule's position in the config, which orders traces. */
  index: number;
  name: string;
  effect: 'allow' | 'deny';
  conditions: Condition[];
  accounts: readonly string[];
  permissionSets: readonly string[];
  /** The group names the rule's conditions look up exactly: the request path reads only these. */
  exactGroups: readonly string[];
  /**
   * Groups one of which the identity must hold for the rule to match, when
   * such a set exists (every pattern of groups.any exact, or one exact name
   * of groups.all): the index finds the rule through them. Empty otherwise.
   */
  requiredOneOf: readonly string[];
  /** Whether a condition reads the clock (maxAuthAge): the rule's answer can change as time passes. */
  readsClock: boolean;
}

const SHOWN = 5;

/** `a, b, c` with at most a few shown, so traces of huge lists stay readable. */
function list(items: readonly string[]): string {
  return items.length > SHOWN
    ? `${items.slice(0, SHOWN).join(', ')}, … (${items.length} in all)`
    : items.join(', ');
}

/** `*` any run of characters, `?` one character; everything else literal; the whole name must match. */
function globToRegExp(pattern: string): RegExp {
  const source = pattern
    .split('')
    .map((character) => {
      if (character === '*') {
        return '.*';
      }
      if (character === '?') {
        return '.';
      }
      return character.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`, 'su');
}

function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/**
 * Group patterns split into exact names (a set lookup each) and globs (a
 * scan of the identity's groups each), so the common exact case stays cheap
 * at hundreds of groups and thousands of rules.
 */
interface Glob {
  pattern: string;
  /** The literal text before the first wildcard: only groups starting with it can match. */
  prefix: string;
  regex: RegExp;
}

interface GroupPatterns {
  exact: string[];
  globs: Glob[];
}

function groupPatterns(patterns: readonly string[]): GroupPatterns {
  return {
    exact: patterns.filter((pattern) => !isGlob(pattern)),
    globs: patterns.filter(isGlob).map((pattern) => ({
      pattern,
      prefix: pattern.slice(0, pattern.search(/[*?]/)),
      regex: globToRegExp(pattern),
    })),
  };
}

/** First index in sorted `items` whose value is not below `key`. */
function lowerBound(items: readonly string[], key: string): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((items[middle] ?? '') < key) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/**
 * The identity's groups a glob matches. Only groups that start with the
 * glob's literal prefix can match, and in sorted order they are adjacent:
 * a binary search finds them, so a glob costs O(log n + matches) instead of
 * a regex test per group (hundreds of groups × thousands of rules).
 */
function globMatches(context: MatchContext, glob: Glob, firstOnly: boolean): string[] {
  context.sortedGroups ??= [...context.identity.groups].sort();
  const groups = context.sortedGroups;
  const found: string[] = [];
  for (let index = lowerBound(groups, glob.prefix); index < groups.length; index += 1) {
    const group = groups[index] ?? '';
    if (!group.startsWith(glob.prefix)) {
      break;
    }
    if (glob.regex.test(group)) {
      found.push(group);
      if (firstOnly) {
        break;
      }
    }
  }
  return found;
}

/** Whether any of the identity's groups matches the glob (no list built). */
function globHolds(context: MatchContext, glob: Glob): boolean {
  if (context.scanGlobs !== true) {
    return globMatches(context, glob, true).length > 0;
  }
  // A scan for a single glob is cheaper than sorting hundreds of groups once.
  for (const group of context.identity.groups) {
    if (group.startsWith(glob.prefix) && glob.regex.test(group)) {
      return true;
    }
  }
  return false;
}

// Failure traces that do not depend on the identity are built once per rule and shared (they
// are never mutated): at thousands of rules, building the same string per evaluation dominates.

function anyGroupCondition(patterns: readonly string[]): Condition {
  const { exact, globs } = groupPatterns(patterns);
  const failure: ConditionTrace = {
    condition: 'groups.any',
    passed: false,
    detail: `not in any of the groups ${list(patterns)}`,
  };
  const holds = (context: MatchContext): boolean =>
    exact.some((group) => context.groups.has(group)) || globs.some((glob) => globHolds(context, glob));
  const trace = (context: MatchContext): ConditionTrace => {
    let held: string[] | undefined;
    for (const group of exact) {
      if (context.groups.has(group)) {
        (held ??= []).push(group);
      }
    }
    for (const glob of globs) {
      const found = globMatches(context, glob, false);
      if (found.length > 0) {
        (held ??= []).push(...found);
      }
    }
    return held === undefined
      ? failure
      : { condition: 'groups.any', passed: true, detail: `member of ${list([...new Set(held)].sort())}` };
  };
  return { holds, trace };
}

function allGroupsCondition(patterns: readonly string[]): Condition {
  const { exact, globs } = groupPatterns(patterns);
  const success: ConditionTrace = {
    condition: 'groups.all',
    passed: true,
    detail: `member of all of ${list(patterns)}`,
  };
  const holds = (context: MatchContext): boolean =>
    exact.every((group) => context.groups.has(group)) && globs.every((glob) => globHolds(context, glob));
  const trace = (context: MatchContext): ConditionTrace => {
    const missing = [
      ...exact.filter((group) => !context.groups.has(group)),
      ...globs.filter((glob) => globMatches(context, glob, true).length === 0).map((glob) => glob.pattern),
    ];
    return missing.length === 0
      ? success
      : { condition: 'groups.all', passed: false, detail: `not in ${list(missing)}` };
  };
  return { holds, trace };
}

/** Multi-valued attributes satisfy a condition when any one value does. */
function attributeCondition(name: string, rule: AttributeConditionConfig): Condition {
  const label = `attributes.${name}`;
  let test: (value: string) => boolean;
  let wanted: string;
  if (rule.regex !== undefined) {
    // Anchored: `regex: Eng` means the whole value, as with equals; write `.*Eng.*` for a substring.
    const regex = new RegExp(`^(?:${rule.regex})$`, 'u');
    test = (value) => regex.test(value);
    wanted = `matches /${rule.regex}/`;
  } else if (rule.in !== undefined) {
    const allowed = new Set(rule.in);
    test = (value) => allowed.has(value);
    wanted = `is one of ${list(rule.in)}`;
  } else {
    const expected = rule.equals ?? '';
    test = (value) => value === expected;
    wanted = `is ${expected}`;
  }
  const success: ConditionTrace = { condition: label, passed: true, detail: `${label} ${wanted}` };
  const valuesOf = (identity: Identity): readonly string[] =>
    Object.hasOwn(identity.attributes, name) ? (identity.attributes[name] ?? []) : [];
  const holds = (context: MatchContext): boolean => valuesOf(context.identity).some(test);
  const trace = (context: MatchContext): ConditionTrace => {
    const values = valuesOf(context.identity);
    if (values.some(test)) {
      return success;
    }
    const has = values.length === 0 ? 'not set' : `has ${list(values)}`;
    return {
      condition: label,
      passed: false,
      detail: `${label} ${wanted.replace(/^is /, 'is not ').replace(/^matches/, 'does not match')} (${has})`,
    };
  };
  return { holds, trace };
}

function emailDomainOf(identity: Identity): string {
  const email = identity.email ?? '';
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

function emailDomainCondition(domains: readonly string[]): Condition {
  const holds = ({ identity }: MatchContext): boolean =>
    identity.email !== undefined &&
    identity.emailVerified === true &&
    domains.includes(emailDomainOf(identity));
  const trace = ({ identity }: MatchContext): ConditionTrace => {
    if (identity.email === undefined) {
      return { condition: 'emailDomains', passed: false, detail: 'has no email' };
    }
    if (identity.emailVerified !== true) {
      // An unverified address proves nothing about who the user is (docs/architecture.md#security-rules).
      return { condition: 'emailDomains', passed: false, detail: 'email is not verified' };
    }
    const domain = emailDomainOf(identity);
    return domains.includes(domain)
      ? { condition: 'emailDomains', passed: true, detail: `verified email in ${domain}` }
      : {
          condition: 'emailDomains',
          passed: false,
          detail: `email domain ${domain} is not one of ${list(domains)}`,
        };
  };
  return { holds, trace };
}

/** Auth age in seconds, or undefined when authTime is not a time. */
export function authAgeSeconds(identity: Identity, now: number): number | undefined {
  const time = Date.parse(identity.authTime);
  return Number.isNaN(time) ? undefined : Math.max(0, Math.floor((now - time) / 1000));
}

function maxAuthAgeCondition(maxSeconds: number): Condition {
  const holds = (context: MatchContext): boolean => {
    const age = authAgeSeconds(context.identity, context.now);
    return age !== undefined && age <= maxSeconds;
  };
  const trace = (context: MatchContext): ConditionTrace => {
    const age = authAgeSeconds(context.identity, context.now);
    if (age === undefined) {
      return { condition: 'maxAuthAge', passed: false, detail: 'authTime is not a time' };
    }
    return age <= maxSeconds
      ? { condition: 'maxAuthAge', passed: true, detail: `authenticated ${formatDuration(age)} ago` }
      : {
          condition: 'maxAuthAge',
          passed: false,
          detail: `authenticated ${formatDuration(age)} ago, more than ${formatDuration(maxSeconds)}`,
        };
  };
  return { holds, trace };
}

/**
 * Compiles one assignment into conditions, in a fixed order (connectors,
 * groups, attributes by name, email domain, MFA, auth age), all of which
 * must hold. Regular expressions and globs are compiled here, once.
 */
export function compileRule(rule: AssignmentConfig, index: number): CompiledRule {
  const { match } = rule;
  const conditions: Condition[] = [];
  if (match.connectors !== undefined) {
    const connectors = match.connectors;
    const named = new Set(connectors);
    conditions.push({
      holds: ({ identity }) => named.has(identity.connectorId),
      trace: ({ identity }) =>
        named.has(identity.connectorId)
          ? { condition: 'connectors', passed: true, detail: `connector ${identity.connectorId}` }
          : {
              condition: 'connectors',
              passed: false,
              detail: `connector ${identity.connectorId} is not one of ${list(connectors)}`,
            },
    });
  }
  if (match.groups?.any !== undefined) {
    conditions.push(anyGroupCondition(match.groups.any));
  }
  if (match.groups?.all !== undefined) {
    conditions.push(allGroupsCondition(match.groups.all));
  }
  for (const name of Object.keys(match.attributes ?? {}).sort()) {
    const condition = match.attributes?.[name];
    if (condition !== undefined) {
      conditions.push(attributeCondition(name, condition));
    }
  }
  if (match.emailDomains !== undefined) {
    conditions.push(emailDomainCondition(match.emailDomains));
  }
  if (match.mfa !== undefined) {
    const wanted = match.mfa;
    conditions.push({
      holds: ({ identity }) => identity.mfa.satisfied === wanted,
      trace: ({ identity }) => ({
        condition: 'mfa',
        passed: identity.mfa.satisfied === wanted,
        detail: identity.mfa.satisfied ? 'signed in with MFA' : 'signed in without MFA',
      }),
    });
  }
  if (match.maxAuthAge !== undefined) {
    conditions.push(maxAuthAgeCondition(match.maxAuthAge));
  }
  const any = match.groups?.any ?? [];
  const all = match.groups?.all ?? [];
  const exactAll = all.filter((pattern) => !isGlob(pattern));
  return {
    index,
    name: rule.name ?? `assignments[${index}]`,
    effect: rule.effect,
    conditions,
    accounts: rule.accounts,
    permissionSets: rule.permissionSets,
    exactGroups: [...any, ...all].filter((pattern) => !isGlob(pattern)),
    requiredOneOf:
      any.length > 0 && !any.some(isGlob) ? any : exactAll.length > 0 ? exactAll.slice(0, 1) : [],
    readsClock: match.maxAuthAge !== undefined,
  };
}

/** Whether every condition of the rule holds, building no trace. */
export function ruleHolds(rule: CompiledRule, context: MatchContext): boolean {
  for (const condition of rule.conditions) {
    if (!condition.holds(context)) {
      return false;
    }
  }
  return true;
}

/** Runs a rule's conditions up to the first that fails. */
export function matchRule(
  rule: CompiledRule,
  context: MatchContext,
): { matched: boolean; conditions: ConditionTrace[] } {
  const conditions: ConditionTrace[] = [];
  for (const condition of rule.conditions) {
    const result = condition.trace(context);
    conditions.push(result);
    if (!result.passed) {
      return { matched: false, conditions };
    }
  }
  return { matched: true, conditions };
}
