import type { Identity } from '@fedgate/core';
import { compileMapping, type MappingConfig } from './compiled-mapping';
import type { IssuePlan } from './issue-plan';
import { planIssue, type IssuePlanning, type IssueRequest } from './plan-issue';
import { referencedPairs } from './requested-entitlement';

/** Plans kept per identity: one per entitlement a user actually asks for, in practice a handful. */
const PLANS_PER_IDENTITY = 32;

/**
 * Plans already made, by config object, then identity object, then request.
 * Both outer keys are objects, held weakly: a reload swaps the config object
 * (its plans go with it), and the session layer hands out a new, frozen
 * identity object whenever the stored session changes (a refreshed identity,
 * another replica's write), so an identity object's plans are those of that
 * exact identity and that exact config.
 */
const memo = new WeakMap<MappingConfig, WeakMap<Identity, Map<string, IssuePlan>>>();

/**
 * `planIssue`, remembering successful plans for a frozen identity and the
 * config object they were made with (docs/benchmarks.md): the same user
 * asking again for the same entitlement gets the same frozen plan without
 * the rules, tags and limits being worked out again. Nothing else is
 * remembered: refusals are planned every time, an identity that is not
 * frozen (it could change under the memo) is planned every time, and so is
 * a request whose answer can change with time alone (a maxAuthAge on one of
 * the rules or permission sets it can name).
 */
export function planIssueMemoized(
  identity: Identity,
  config: MappingConfig,
  request: IssueRequest,
  options: { now?: Date } = {},
): IssuePlanning {
  if (!Object.isFrozen(identity)) {
    return planIssue(identity, config, request, options);
  }
  const key = `${request.account}\u0000${request.permissionSet}\u0000${request.requestedSeconds ?? ''}`;
  let byIdentity = memo.get(config);
  const known = byIdentity?.get(identity)?.get(key);
  if (known !== undefined) {
    return { kind: 'plan', plan: known };
  }
  const planning = planIssue(identity, config, request, options);
  if (planning.kind !== 'plan' || readsClock(config, request)) {
    return planning;
  }
  if (byIdentity === undefined) {
    byIdentity = new WeakMap();
    memo.set(config, byIdentity);
  }
  let plans = byIdentity.get(identity);
  if (plans === undefined) {
    plans = new Map();
    byIdentity.set(identity, plans);
  } else if (plans.size >= PLANS_PER_IDENTITY) {
    // Spellings of a request are many (names in any case, any duration): keep the memo bounded.
    plans.clear();
  }
  const plan = deepFreeze(planning.plan);
  plans.set(key, plan);
  return { kind: 'plan', plan };
}

/** Whether the answer to this request could change with time alone, for any pair it can name. */
function readsClock(config: MappingConfig, request: IssueRequest): boolean {
  const compiled = compileMapping(config);
  const { accounts, setNames } = referencedPairs(compiled, request);
  return accounts.some((account) =>
    setNames.some((setName) => compiled.rulesForPair(account.id, setName).readsClock),
  );
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) {
      deepFreeze(member);
    }
    Object.freeze(value);
  }
  return value;
}
