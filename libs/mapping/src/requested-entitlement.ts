import type { Identity } from '@fedgate/core';
import type { AccountConfig } from './config';
import { compileMapping, type CompiledMapping, type MappingConfig } from './compiled-mapping';
import type { Entitlement } from './entitlement';
import {
  buildEntitlement,
  byAccountThenSet,
  sessionNamesOf,
  withheldBecause,
  type EvaluateOptions,
} from './entitlement-builder';
import { lookupContext, ruleHolds, type MatchContext } from './rules';

/** An account and a permission set as a request names them. */
export interface EntitlementReference {
  /** The account's id, or its name in any case. */
  account: string;
  /** The permission set's name, in any case. */
  permissionSet: string;
}

/** Whether the identity holds (account, set): a matching allow rule names it and no matching deny rule does. */
function granted(
  compiled: CompiledMapping,
  context: () => MatchContext,
  account: AccountConfig,
  setName: string,
): boolean {
  const { rules } = compiled.rulesForPair(account.id, setName);
  if (rules.length === 0) {
    return false;
  }
  let allowed = false;
  for (const rule of rules) {
    if (rule.effect === 'allow' && !allowed && ruleHolds(rule, context())) {
      allowed = true;
    }
  }
  if (!allowed) {
    return false;
  }
  return !rules.some((rule) => rule.effect === 'deny' && ruleHolds(rule, context()));
}

/**
 * The accounts and permission set names a reference can mean: the account
 * by id, or by name ignoring case; the set by name ignoring case.
 */
export function referencedPairs(
  compiled: CompiledMapping,
  reference: EntitlementReference,
): { accounts: readonly AccountConfig[]; setNames: readonly string[] } {
  const setNames = compiled.setNamesByLowerName.get(reference.permissionSet.toLowerCase()) ?? [];
  const byId = compiled.accountsById.get(reference.account) ?? [];
  const byName = compiled.accountsByLowerName.get(reference.account.toLowerCase()) ?? [];
  const accounts = byName.length === 0 ? byId : [...new Set([...byId, ...byName])];
  return { accounts, setNames };
}

/**
 * The one entitlement a request names, or undefined when the identity does
 * not hold it: the same entitlement `evaluate` lists for that account (by
 * id, or by name ignoring case) and permission set (by name ignoring case),
 * found through the config's grant index, so only the rules that name that
 * pair are tested and only the groups they name are looked up. This is the
 * credential request's path (planIssue).
 */
export function entitlementFor(
  identity: Identity,
  config: MappingConfig,
  reference: EntitlementReference,
  options: EvaluateOptions = {},
): Entitlement | undefined {
  const compiled = compileMapping(config);
  const { accounts, setNames } = referencedPairs(compiled, reference);
  if (setNames.length === 0) {
    return undefined;
  }
  const now = (options.now ?? new Date()).getTime();
  let prepared: MatchContext | undefined;
  const context = (): MatchContext => (prepared ??= lookupContext(identity, now));
  const found: Entitlement[] = [];
  for (const account of accounts) {
    const backend = compiled.backends.get(account.backend);
    for (const setName of setNames) {
      const entry = compiled.sets.get(setName);
      if (
        backend === undefined ||
        entry === undefined ||
        !granted(compiled, context, account, setName) ||
        withheldBecause(entry.set, identity, now) !== undefined
      ) {
        continue;
      }
      found.push(
        buildEntitlement(
          identity,
          sessionNamesOf(identity, compiled),
          account,
          backend,
          entry.set,
          entry.tags,
          config,
          options,
        ),
      );
    }
  }
  // A validated config names at most one; if not, the first in listing order, as evaluate lists them.
  return found.sort(byAccountThenSet)[0];
}
