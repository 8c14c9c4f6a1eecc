/**
 * The mapping at the scale issue 19 names, for the cache-hit bench: alice in
 * 500 groups and 1,000 assignment rules over 20 accounts and 10 permission
 * sets (exact group lists, `groups.all`, globs and deny rules, 20 of them
 * granting the requested pair). Deterministic, so every run measures the same
 * config. The fragments go into the bench's broker config (issuance.bench.ts).
 */

export const RULES = 1000;
export const GROUPS = 500;
const ACCOUNTS = 19;
const PERMISSION_SETS = 9;

export interface MappingFragments {
  /** alice's groups, as a YAML flow list. */
  groups: string;
  /** More `accounts:` entries. */
  accounts: string;
  /** More `permissionSets:` entries. */
  permissionSets: string;
  /** More `assignments:` entries (the config's first rule is the bench's own). */
  assignments: string;
}

function account(index: number): string {
  return `a${(index % ACCOUNTS) + 1}`;
}

function permissionSet(index: number): string {
  return `P${(index % PERMISSION_SETS) + 1}`;
}

/** One rule of the mix; alice holds g0 … g498 out of a universe of 1,000 groups. */
function rule(index: number): string {
  const group = (offset: number): string => `g${(index * 7 + offset * 13) % 1000}`;
  if (index % 50 === 0) {
    return `  - { match: { groups: [${group(0)}, g1] }, accounts: [sandbox], permissionSets: [Developer] }`;
  }
  if (index % 97 === 0) {
    // Deny rules for groups alice is not in: they are looked at, and never deny her.
    return `  - { effect: deny, match: { groups: [g${900 + (index % 100)}] }, accounts: [sandbox], permissionSets: [Developer] }`;
  }
  if (index % 10 === 0) {
    return `  - { match: { groups: { all: [${group(0)}, ${group(1)}] } }, accounts: [${account(index)}], permissionSets: [${permissionSet(index)}] }`;
  }
  if (index % 25 === 1) {
    return `  - { match: { groups: ["g${index % 10}${index % 7}*"] }, accounts: [${account(index)}], permissionSets: [${permissionSet(index)}] }`;
  }
  return `  - { match: { groups: [${group(0)}, ${group(1)}, ${group(2)}] }, accounts: [${account(index)}], permissionSets: [${permissionSet(index)}] }`;
}

export function largeMapping(account0Id: number): MappingFragments {
  const groups = ['developers', ...Array.from({ length: GROUPS - 1 }, (_, index) => `g${index}`)].sort();
  return {
    groups: `[${groups.join(', ')}]`,
    accounts: Array.from(
      { length: ACCOUNTS },
      (_, index) => `  - { id: "${account0Id + index + 1}", name: a${index + 1}, backend: local }`,
    ).join('\n'),
    permissionSets: Array.from(
      { length: PERMISSION_SETS },
      (_, index) => `  - { name: P${index + 1}, roleName: fedgate-Developer, sessionDuration: 1h }`,
    ).join('\n'),
    assignments: Array.from({ length: RULES - 1 }, (_, index) => rule(index + 1)).join('\n'),
  };
}
