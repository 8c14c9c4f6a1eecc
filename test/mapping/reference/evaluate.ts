/**
 * The mapping evaluator as it was before rules were compiled into an index
 * (every rule evaluated with its trace for every request), kept verbatim as
 * the reference the indexed evaluator is compared with
 * (libs/mapping/src/indexed-evaluation.spec.ts). Not used by fedgate itself.
 */
import type { Identity } from '@fedgate/core';
import { formatDuration } from '@fedgate/core';
import {
  checkLimits,
  compileSessionTags,
  federatedUserNameFor,
  fillAccountPlaceholders,
  parseValidatedTemplate,
  planDuration,
  roleSessionNameFor,
  sourceIdentityFor,
  type AccountConfig,
  type BackendConfig,
  type Entitlement,
  type Evaluation,
  type GrantDecision,
  type IssuanceMode,
  type MappingSections,
  type PermissionSetConfig,
  type RuleTrace,
  type TagTemplate,
  type TemplatePart,
} from '@fedgate/mapping';
import { authAgeSeconds, compileRule, matchContext, matchRule, type CompiledRule } from './rules';

/** The parts of the configuration the mapping reads (validated by its schemas in ./config). */
export type MappingConfig = Pick<
  MappingSections,
  'accounts' | 'permissionSets' | 'assignments' | 'backends' | 'mapping'
>;

/** Inputs of an evaluation besides the identity and the config. */
export interface EvaluateOptions {
  /** The time auth ages are measured at; the current time when absent. */
  now?: Date;
  /** A requested session length, for the duration plan of every entitlement (planIssue passes the user's). */
  requestedSeconds?: number;
}

/** Everything about a config that does not depend on the identity, built once per config object. */
interface CompiledMapping {
  rules: CompiledRule[];
  accountsByReference: Map<string, AccountConfig>;
  backends: Map<string, BackendConfig>;
  sets: Map<string, { set: PermissionSetConfig; tags: TagTemplate[] }>;
  roleSessionName?: TemplatePart[];
  sourceIdentity?: TemplatePart[];
}

// Configs are immutable once loaded, so compiling once per config object is safe and keeps
// evaluate cheap at thousands of rules; a WeakMap lets a replaced config be collected.
const compiledConfigs = new WeakMap<MappingConfig, CompiledMapping>();

function compile(config: MappingConfig): CompiledMapping {
  const cached = compiledConfigs.get(config);
  if (cached) {
    return cached;
  }
  const accountsByReference = new Map<string, AccountConfig>();
  for (const account of config.accounts) {
    accountsByReference.set(account.name, account);
  }
  for (const account of config.accounts) {
    // Ids win over names: the config check forbids a name that is another account's id.
    accountsByReference.set(account.id, account);
  }
  const compiled: CompiledMapping = {
    rules: config.assignments.map(compileRule),
    accountsByReference,
    backends: new Map(config.backends.map((backend) => [backend.id, backend])),
    sets: new Map(
      config.permissionSets.map((set) => [
        set.name,
        {
          set,
          tags: Object.entries(set.tags).map(([key, text]) => ({ key, parts: parseValidatedTemplate(text) })),
        },
      ]),
    ),
    ...(config.mapping.roleSessionName === undefined
      ? {}
      : { roleSessionName: parseValidatedTemplate(config.mapping.roleSessionName) }),
    ...(config.mapping.sourceIdentity === undefined
      ? {}
      : { sourceIdentity: parseValidatedTemplate(config.mapping.sourceIdentity) }),
  };
  compiledConfigs.set(config, compiled);
  return compiled;
}

interface Pair {
  account: AccountConfig;
  setName: string;
}

/** The (account, permission set) pairs a rule names, `*` expanded; unknown names are reported. */
function pairsOf(
  rule: CompiledRule,
  config: MappingConfig,
  compiled: CompiledMapping,
  skipped: string[],
): Pair[] {
  const accounts = rule.accounts.includes('*')
    ? config.accounts
    : rule.accounts.flatMap((reference) => {
        const account = compiled.accountsByReference.get(reference);
        if (!account) {
          skipped.push(`account ${reference}`);
        }
        return account ? [account] : [];
      });
  const sets = rule.permissionSets.includes('*')
    ? config.permissionSets.map((set) => set.name)
    : rule.permissionSets.filter((name) => {
        const known = compiled.sets.has(name);
        if (!known) {
          skipped.push(`permission set ${name}`);
        }
        return known;
      });
  return accounts.flatMap((account) => sets.map((setName) => ({ account, setName })));
}

/** The set's own mode, else its account's backend's (docs/issuance.md). */
function issuanceModeOf(set: PermissionSetConfig, backend: BackendConfig): IssuanceMode {
  return set.mode ?? backend.mode;
}

function roleArnFor(set: PermissionSetConfig, account: AccountConfig, partition: string): string {
  if (set.roleName === undefined && set.roleArn === undefined) {
    return '';
  }
  if (set.roleArn !== undefined) {
    return fillAccountPlaceholders(set.roleArn, account.id, partition);
  }
  return `arn:${partition}:iam::${account.id}:role/${set.roleName ?? ''}`;
}

/** Why a permission set's own requirements keep it from this identity, or undefined. */
function withheldBecause(set: PermissionSetConfig, identity: Identity, now: number): string | undefined {
  if (set.requireMfa && !identity.mfa.satisfied) {
    return 'the permission set requires MFA and the login had none';
  }
  if (set.maxAuthAge !== undefined) {
    const age = authAgeSeconds(identity, now);
    if (age === undefined || age > set.maxAuthAge) {
      return `the permission set needs a login within ${formatDuration(set.maxAuthAge)}; sign in again`;
    }
  }
  return undefined;
}

/** The session names of one identity: the same for every entitlement, so computed once. */
interface SessionNames {
  roleSessionName: string;
  sourceIdentity: string;
  federatedUserName: string;
}

function buildEntitlement(
  identity: Identity,
  names: SessionNames,
  account: AccountConfig,
  backend: BackendConfig,
  set: PermissionSetConfig,
  tags: readonly TagTemplate[],
  config: MappingConfig,
  options: EvaluateOptions,
): Entitlement {
  const { partition } = backend;
  const compiledTags = compileSessionTags(tags, set.transitiveTagKeys, identity, config.mapping.tags);
  const mode = issuanceModeOf(set, backend);
  const durationPlan = planDuration({
    mode,
    permissionSetSeconds: set.sessionDuration,
    roleChaining: backend.roleChaining,
    ...(set.maxSessionDuration === undefined ? {} : { roleMaximumSeconds: set.maxSessionDuration }),
    ...(options.requestedSeconds === undefined ? {} : { requestedSeconds: options.requestedSeconds }),
  });
  const entitlement: Omit<Entitlement, 'violations'> = {
    accountId: account.id,
    accountName: account.name,
    partition,
    backendId: backend.id,
    permissionSet: set.name,
    ...(set.description === undefined ? {} : { description: set.description }),
    mode,
    roleArn: roleArnFor(set, account, partition),
    ...(mode === 'assume-role' && account.externalId !== undefined ? { externalId: account.externalId } : {}),
    sessionDurationSeconds: durationPlan.seconds,
    durationPlan,
    ...names,
    sessionTags: compiledTags.tags,
    transitiveTagKeys: compiledTags.transitiveTagKeys,
    ...(set.sessionPolicy === undefined
      ? {}
      : { policy: fillAccountPlaceholders(set.sessionPolicy, account.id, partition) }),
    policyArns: set.managedPolicyArns.map((arn) => fillAccountPlaceholders(arn, account.id, partition)),
    requireMfa: set.requireMfa,
    ...(set.maxAuthAge === undefined ? {} : { maxAuthAgeSeconds: set.maxAuthAge }),
    ...(set.consoleDestination === undefined ? {} : { consoleDestination: set.consoleDestination }),
    notes: compiledTags.notes,
  };
  return { ...entitlement, violations: [...compiledTags.violations, ...checkLimits(entitlement)] };
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
 */
export function referenceEvaluate(
  identity: Identity,
  config: MappingConfig,
  options: EvaluateOptions = {},
): Evaluation {
  const compiled = compile(config);
  const now = (options.now ?? new Date()).getTime();
  const context = matchContext(identity, now);
  const allowed = new Map<string, { pair: Pair; rules: string[] }>();
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
    const skipped: string[] = [];
    for (const pair of pairsOf(rule, config, compiled, skipped)) {
      const key = `${pair.account.id}/${pair.setName}`;
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
    if (skipped.length > 0) {
      entry.reason += `; skipped ${skipped.join(', ')}: not configured`;
    }
    return entry;
  });

  const decisions: GrantDecision[] = [];
  const entitlements: Entitlement[] = [];
  let names: SessionNames | undefined;
  for (const { pair, rules } of allowed.values()) {
    const { account, setName } = pair;
    const deniedBy = denied.get(`${account.id}/${setName}`) ?? [];
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
    names ??= {
      roleSessionName: roleSessionNameFor(identity, compiled.roleSessionName),
      sourceIdentity: sourceIdentityFor(identity, compiled.sourceIdentity),
      federatedUserName: federatedUserNameFor(identity),
    };
    entitlements.push(
      buildEntitlement(identity, names, account, backend, entry.set, entry.tags, config, options),
    );
  }
  const byName = (
    a: { accountName: string; permissionSet: string },
    b: { accountName: string; permissionSet: string },
  ): number => compareText(a.accountName, b.accountName) || compareText(a.permissionSet, b.permissionSet);
  entitlements.sort(byName);
  decisions.sort(byName);
  return { entitlements, trace, decisions };
}

/**
 * The entitlement a request names, as planIssue found it before the index:
 * the account by id, or by name ignoring case, and the set by name ignoring case.
 */
export function referenceRequestedEntitlement(
  entitlements: readonly Entitlement[],
  request: { account: string; permissionSet: string },
): Entitlement | undefined {
  const accountName = request.account.toLowerCase();
  const permissionSet = request.permissionSet.toLowerCase();
  return entitlements.find(
    (entitlement) =>
      (entitlement.accountId === request.account || entitlement.accountName.toLowerCase() === accountName) &&
      entitlement.permissionSet.toLowerCase() === permissionSet,
  );
}
