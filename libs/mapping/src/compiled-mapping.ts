import type { AccountConfig, BackendConfig, MappingSections, PermissionSetConfig } from './config';
import { compileRule, type CompiledRule } from './rules';
import { parseValidatedTemplate, type TemplatePart } from './template';
import type { TagTemplate } from './session-tags';

/** The parts of the configuration the mapping reads (validated by its schemas in ./config). */
export type MappingConfig = Pick<
  MappingSections,
  'accounts' | 'permissionSets' | 'assignments' | 'backends' | 'mapping'
>;

/** One (account, permission set) a rule names. */
export interface GrantPair {
  account: AccountConfig;
  setName: string;
}

/** A compiled rule with what it grants, resolved once. */
export interface IndexedRule extends CompiledRule {
  /** The (account, set) pairs it names, `*` expanded, in the order evaluate reports them. */
  pairs: readonly GrantPair[];
  /** Names it lists that the config does not define (`account x`, `permission set y`). */
  skipped: readonly string[];
}

/** The rules that name one (account, set). */
export interface PairRules {
  rules: readonly IndexedRule[];
  /**
   * Whether the identity holding the pair can change with time alone:
   * one of its rules or its permission set has a maxAuthAge.
   */
  readsClock: boolean;
}

/**
 * Everything about a config that does not depend on the identity, built
 * once per config object: rules compiled (regexes and globs included), and
 * indexes so that an evaluation touches only the rules an identity or a
 * request can concern (docs/mapping.md#performance).
 */
export interface CompiledMapping {
  rules: readonly IndexedRule[];
  accountsByReference: ReadonlyMap<string, AccountConfig>;
  backends: ReadonlyMap<string, BackendConfig>;
  sets: ReadonlyMap<string, { set: PermissionSetConfig; tags: TagTemplate[] }>;
  roleSessionName?: TemplatePart[];
  sourceIdentity?: TemplatePart[];
  /**
   * Every group some rule names exactly, with the rules that need it (one of
   * their requiredOneOf): one pass over an identity's groups finds both the
   * groups that matter and the rules they can trigger.
   */
  groupIndex: ReadonlyMap<string, readonly IndexedRule[]>;
  /** Rules no exact group can rule out (globs only, attributes, email, MFA, ...): always tested. */
  unindexedRules: readonly IndexedRule[];
  /** Accounts a request may name: by id, and by name in lower case. */
  accountsById: ReadonlyMap<string, readonly AccountConfig[]>;
  accountsByLowerName: ReadonlyMap<string, readonly AccountConfig[]>;
  /** Permission set names by their lower-case form. */
  setNamesByLowerName: ReadonlyMap<string, readonly string[]>;
  /** The rules that name one (account id, set name), built on first request of that pair. */
  rulesForPair(accountId: string, setName: string): PairRules;
}

const ANY = '*';

function grantKey(account: string, set: string): string {
  return `${account}\u0000${set}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) {
    list.push(value);
  } else {
    map.set(key, [value]);
  }
}

/** The pairs a rule names, `*` expanded; unknown names are listed in `skipped`. */
function pairsOf(
  rule: CompiledRule,
  config: MappingConfig,
  accountsByReference: ReadonlyMap<string, AccountConfig>,
  sets: ReadonlyMap<string, unknown>,
): { pairs: GrantPair[]; skipped: string[] } {
  const skipped: string[] = [];
  const accounts = rule.accounts.includes(ANY)
    ? config.accounts
    : rule.accounts.flatMap((reference) => {
        const account = accountsByReference.get(reference);
        if (!account) {
          skipped.push(`account ${reference}`);
        }
        return account ? [account] : [];
      });
  const setNames = rule.permissionSets.includes(ANY)
    ? config.permissionSets.map((set) => set.name)
    : rule.permissionSets.filter((name) => {
        const known = sets.has(name);
        if (!known) {
          skipped.push(`permission set ${name}`);
        }
        return known;
      });
  return { pairs: accounts.flatMap((account) => setNames.map((setName) => ({ account, setName }))), skipped };
}

/**
 * The grant index: each rule under `accountId|*` × `setName|*` as it names
 * them, so one pair's rules are four lookups away however many rules and
 * wildcards there are.
 */
function grantIndex(rules: readonly IndexedRule[]): Map<string, IndexedRule[]> {
  const index = new Map<string, IndexedRule[]>();
  for (const rule of rules) {
    const accounts = rule.accounts.includes(ANY)
      ? [ANY]
      : [...new Set(rule.pairs.map((pair) => pair.account.id))];
    const setNames = rule.permissionSets.includes(ANY)
      ? [ANY]
      : [...new Set(rule.pairs.map((pair) => pair.setName))];
    for (const account of accounts) {
      for (const setName of setNames) {
        push(index, grantKey(account, setName), rule);
      }
    }
  }
  return index;
}

function build(config: MappingConfig): CompiledMapping {
  const accountsByReference = new Map<string, AccountConfig>();
  for (const account of config.accounts) {
    accountsByReference.set(account.name, account);
  }
  for (const account of config.accounts) {
    // Ids win over names: the config check forbids a name that is another account's id.
    accountsByReference.set(account.id, account);
  }
  const sets = new Map(
    config.permissionSets.map((set) => [
      set.name,
      {
        set,
        tags: Object.entries(set.tags).map(([key, text]) => ({ key, parts: parseValidatedTemplate(text) })),
      },
    ]),
  );
  const rules: IndexedRule[] = config.assignments.map((assignment, index) => {
    const rule = compileRule(assignment, index);
    return { ...rule, ...pairsOf(rule, config, accountsByReference, sets) };
  });

  const groupIndex = new Map<string, IndexedRule[]>();
  const unindexedRules: IndexedRule[] = [];
  for (const rule of rules) {
    for (const group of rule.exactGroups) {
      if (!groupIndex.has(group)) {
        groupIndex.set(group, []);
      }
    }
    if (rule.requiredOneOf.length === 0) {
      unindexedRules.push(rule);
    }
    for (const group of new Set(rule.requiredOneOf)) {
      push(groupIndex, group, rule);
    }
  }

  const accountsById = new Map<string, AccountConfig[]>();
  const accountsByLowerName = new Map<string, AccountConfig[]>();
  for (const account of config.accounts) {
    push(accountsById, account.id, account);
    push(accountsByLowerName, account.name.toLowerCase(), account);
  }
  const setNamesByLowerName = new Map<string, string[]>();
  for (const set of config.permissionSets) {
    push(setNamesByLowerName, set.name.toLowerCase(), set.name);
  }

  const byGrant = grantIndex(rules);
  const pairCache = new Map<string, PairRules>();
  const rulesForPair = (accountId: string, setName: string): PairRules => {
    const key = grantKey(accountId, setName);
    let found = pairCache.get(key);
    if (found === undefined) {
      const named = [
        grantKey(accountId, setName),
        grantKey(accountId, ANY),
        grantKey(ANY, setName),
        grantKey(ANY, ANY),
      ].flatMap((lookup) => byGrant.get(lookup) ?? []);
      found = {
        rules: named,
        readsClock: named.some((rule) => rule.readsClock) || sets.get(setName)?.set.maxAuthAge !== undefined,
      };
      // Bounded by the config: at most one entry per (account, set) pair.
      pairCache.set(key, found);
    }
    return found;
  };

  return {
    rules,
    accountsByReference,
    backends: new Map(config.backends.map((backend) => [backend.id, backend])),
    sets,
    ...(config.mapping.roleSessionName === undefined
      ? {}
      : { roleSessionName: parseValidatedTemplate(config.mapping.roleSessionName) }),
    ...(config.mapping.sourceIdentity === undefined
      ? {}
      : { sourceIdentity: parseValidatedTemplate(config.mapping.sourceIdentity) }),
    groupIndex,
    unindexedRules,
    accountsById,
    accountsByLowerName,
    setNamesByLowerName,
    rulesForPair,
  };
}

// Configs are immutable once loaded, so compiling once per config object is safe; a WeakMap
// lets a replaced config (a reload) be collected with its index.
const compiledConfigs = new WeakMap<MappingConfig, CompiledMapping>();

/**
 * The compiled form of a config, built on first use and kept for as long as
 * the config object lives: every evaluation of that config reuses it. Call
 * it where the config is loaded to pay the compilation there rather than on
 * the first request.
 */
export function compileMapping(config: MappingConfig): CompiledMapping {
  let compiled = compiledConfigs.get(config);
  if (compiled === undefined) {
    compiled = build(config);
    compiledConfigs.set(config, compiled);
  }
  return compiled;
}
