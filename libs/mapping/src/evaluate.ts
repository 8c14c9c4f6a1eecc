import type { Identity } from '@fedgate/core';
import { compileMapping, type GrantPair, type IndexedRule, type MappingConfig } from './compiled-mapping';
import type { Entitlement, Evaluation, GrantDecision, RuleTrace } from './entitlement';
import {
  buildEntitlement,
  byAccountThenSet,
  sessionNamesOf,
  withheldBecause,
  type EvaluateOptions,
  type SessionNames,
} from './entitlement-builder';
import { matchContext, matchRule, ruleHolds, strictlySorted, type MatchContext } from './rules';

export type { EvaluateOptions } from './entitlement-builder';
export { issuanceModeOf } from './entitlement-builder';

function pairKey(pair: GrantPair): string {
  return `${pair.account.id}/${pair.setName}`;
}

/**
 * The entitlements an identity has, and why (docs/mapping.md). Every rule is
 * evaluated; a rule matches when all its conditions hold. Grants are the
 * union of the matching allow rules, minus every pair a matching deny rule
 * names (deny beats allow), minus pairs whose permission set requires MFA or
 * a recent login the identity lacks. The result does not depend on the
 * order of the rules (only the trace lists them in file order) and is
 * sorted by account name, then permission set. Pure: no I/O; the clock is
 * read only when `options.now` is absent. The config is assumed validated;
 * a dangling reference is skipped and shown in the trace, not thrown.
 *
 * This is the explaining evaluation (a trace of every rule, for explain);
 * entitlementsOf and entitlementFor give the same entitlements through the
 * config's index without tracing.
 */
export function evaluate(
  identity: Identity,
  config: MappingConfig,
  options: EvaluateOptions = {},
): Evaluation {
  const compiled = compileMapping(config);
  const now = (options.now ?? new Date()).getTime();
  const context = matchContext(identity, now);
  const allowed = new Map<string, { pair: GrantPair; rules: string[] }>();
  const denied = new Map<string, string[]>();

  const trace: RuleTrace[] = compiled.rules.map((rule) => {
    const { matched, conditions } = matchRule(rule, context);
    const failed = conditions.find((condition) => !condition.passed);
    const entry: RuleTrace = {
      rule: rule.name,
      effect: rule.effect,
      matched,
      reason: failed ? failed.detail : conditions.map((condition) => condition.detail).join('; '),
      conditions,
      grants: [],
    };
    if (!matched) {
      return entry;
    }
    for (const pair of rule.pairs) {
      const key = pairKey(pair);
      entry.grants.push({ accountId: pair.account.id, permissionSet: pair.setName });
      if (rule.effect === 'deny') {
        const rules = denied.get(key);
        if (rules) {
          rules.push(rule.name);
        } else {
          denied.set(key, [rule.name]);
        }
      } else {
        const seen = allowed.get(key);
        if (seen) {
          seen.rules.push(rule.name);
        } else {
          allowed.set(key, { pair, rules: [rule.name] });
        }
      }
    }
    if (rule.skipped.length > 0) {
      entry.reason += `; skipped ${rule.skipped.join(', ')}: not configured`;
    }
    return entry;
  });

  const decisions: GrantDecision[] = [];
  const entitlements: Entitlement[] = [];
  let names: SessionNames | undefined;
  for (const { pair, rules } of allowed.values()) {
    const { account, setName } = pair;
    const deniedBy = denied.get(pairKey(pair)) ?? [];
    const base = {
      accountId: account.id,
      accountName: account.name,
      permissionSet: setName,
      allowedBy: rules,
      deniedBy,
    };
    const backend = compiled.backends.get(account.backend);
    const entry = compiled.sets.get(setName);
    if (deniedBy.length > 0) {
      decisions.push({ ...base, outcome: 'denied', reason: `denied by ${deniedBy.join(', ')}` });
      continue;
    }
    if (!backend || !entry) {
      decisions.push({
        ...base,
        outcome: 'withheld',
        reason: `backend ${account.backend} is not configured`,
      });
      continue;
    }
    const withheld = withheldBecause(entry.set, identity, now);
    if (withheld !== undefined) {
      decisions.push({ ...base, outcome: 'withheld', reason: withheld });
      continue;
    }
    decisions.push({ ...base, outcome: 'granted', reason: `allowed by ${rules.join(', ')}` });
    names ??= sessionNamesOf(identity, compiled);
    entitlements.push(
      buildEntitlement(identity, names, account, backend, entry.set, entry.tags, config, options),
    );
  }
  entitlements.sort(byAccountThenSet);
  decisions.sort(byAccountThenSet);
  return { entitlements, trace, decisions };
}

/**
 * The same entitlements as `evaluate(...).entitlements`, without a trace:
 * one pass over the identity's groups through the config's group index
 * finds the rules that can match (plus the few no exact group can rule
 * out), and only those are tested. For listings; a request for one
 * entitlement uses entitlementFor.
 */
export function entitlementsOf(
  identity: Identity,
  config: MappingConfig,
  options: EvaluateOptions = {},
): Entitlement[] {
  const compiled = compileMapping(config);
  const now = (options.now ?? new Date()).getTime();
  const held = new Set<string>();
  const candidates = new Set<IndexedRule>(compiled.unindexedRules);
  for (const group of identity.groups) {
    const rules = compiled.groupIndex.get(group);
    if (rules !== undefined) {
      held.add(group);
      for (const rule of rules) {
        candidates.add(rule);
      }
    }
  }
  // Only groups some rule names exactly are in `held`: that is all a condition looks up.
  const context: MatchContext = {
    identity,
    groups: held,
    now,
    // Globs search sorted groups by prefix; groups in another order are sorted on first use.
    ...(strictlySorted(identity.groups) ? { sortedGroups: identity.groups } : {}),
  };
  const allowed = new Map<string, GrantPair>();
  const denied = new Set<string>();
  for (const rule of candidates) {
    if (!ruleHolds(rule, context)) {
      continue;
    }
    for (const pair of rule.pairs) {
      const key = pairKey(pair);
      if (rule.effect === 'deny') {
        denied.add(key);
      } else if (!allowed.has(key)) {
        allowed.set(key, pair);
      }
    }
  }
  const entitlements: Entitlement[] = [];
  let names: SessionNames | undefined;
  for (const [key, { account, setName }] of allowed) {
    const backend = compiled.backends.get(account.backend);
    const entry = compiled.sets.get(setName);
    if (denied.has(key) || !backend || !entry || withheldBecause(entry.set, identity, now) !== undefined) {
      continue;
    }
    names ??= sessionNamesOf(identity, compiled);
    entitlements.push(
      buildEntitlement(identity, names, account, backend, entry.set, entry.tags, config, options),
    );
  }
  return entitlements.sort(byAccountThenSet);
}
