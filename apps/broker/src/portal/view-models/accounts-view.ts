import { formatDuration } from '@fedgate/core';
import type { Entitlement, Evaluation } from '@fedgate/mapping';

/** Where each account lives: its partition, from the account's backend. */
export type PartitionOf = (accountId: string) => string;

/** One permission set as the accounts page shows it. */
export interface PermissionSetView {
  name: string;
  description: string | undefined;
  /** "1h", "4h30m"; undefined for a set that is not issuable to this user. */
  duration: string | undefined;
  /** Why the session lasts that long, in the planner's words ("1h: role chaining caps …"). */
  durationReason: string | undefined;
  requiresMfa: boolean;
  issuable: boolean;
  /** For people: why nothing would be issued (an AWS limit, MFA missing, a stale login). */
  notIssuableBecause: string[];
  /** The "Command line" page; the "Console" form posts to consolePath. */
  commandLinePath: string;
  consolePath: string;
}

/** One account with the permission sets this user may use in it. */
export interface AccountView {
  id: string;
  name: string;
  partition: string;
  /** Lower-case text the search box matches: name, id, partition and set names. */
  searchText: string;
  permissionSets: PermissionSetView[];
}

export function permissionSetPath(accountId: string, permissionSet: string): string {
  return `/accounts/${encodeURIComponent(accountId)}/${encodeURIComponent(permissionSet)}`;
}

export function consolePath(accountId: string, permissionSet: string): string {
  return `/console/${encodeURIComponent(accountId)}/${encodeURIComponent(permissionSet)}`;
}

function issuableSet(entitlement: Entitlement): PermissionSetView {
  return {
    name: entitlement.permissionSet,
    description: entitlement.description,
    duration: formatDuration(entitlement.sessionDurationSeconds),
    durationReason: entitlement.durationPlan.explanation,
    requiresMfa: entitlement.requireMfa,
    issuable: entitlement.violations.length === 0,
    notIssuableBecause: entitlement.violations.map((violation) => violation.message),
    commandLinePath: permissionSetPath(entitlement.accountId, entitlement.permissionSet),
    consolePath: consolePath(entitlement.accountId, entitlement.permissionSet),
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The accounts page: every account the user may use, each with its
 * permission sets, sorted by name. Sets a rule grants but the set's own
 * requirements withhold (MFA, a recent login) are listed too, marked not
 * issuable with the reason, so the user learns what to do instead of
 * wondering where the set went.
 */
export function accountsView(evaluation: Evaluation, partitionOf: PartitionOf): AccountView[] {
  const accounts = new Map<string, AccountView>();
  const accountFor = (id: string, name: string): AccountView => {
    let account = accounts.get(id);
    if (account === undefined) {
      account = { id, name, partition: partitionOf(id), searchText: '', permissionSets: [] };
      accounts.set(id, account);
    }
    return account;
  };
  for (const entitlement of evaluation.entitlements) {
    accountFor(entitlement.accountId, entitlement.accountName).permissionSets.push(issuableSet(entitlement));
  }
  for (const decision of evaluation.decisions) {
    if (decision.outcome !== 'withheld') {
      continue;
    }
    accountFor(decision.accountId, decision.accountName).permissionSets.push({
      name: decision.permissionSet,
      description: undefined,
      duration: undefined,
      durationReason: undefined,
      requiresMfa: decision.reason.includes('MFA'),
      issuable: false,
      notIssuableBecause: [decision.reason],
      commandLinePath: permissionSetPath(decision.accountId, decision.permissionSet),
      consolePath: consolePath(decision.accountId, decision.permissionSet),
    });
  }
  const sorted = [...accounts.values()].sort((a, b) => compareText(a.name, b.name));
  for (const account of sorted) {
    account.permissionSets.sort((a, b) => compareText(a.name, b.name));
    account.searchText = [
      account.name,
      account.id,
      account.partition,
      ...account.permissionSets.map((s) => s.name),
    ]
      .join(' ')
      .toLowerCase();
  }
  return sorted;
}

/** One permission set of the user's, by the names a URL gives (matched ignoring case, like the API). */
export function findPermissionSet(
  accounts: readonly AccountView[],
  accountId: string,
  permissionSet: string,
): { account: AccountView; permissionSet: PermissionSetView } | undefined {
  const wantedAccount = accountId.toLowerCase();
  const wantedSet = permissionSet.toLowerCase();
  for (const account of accounts) {
    if (account.id !== accountId && account.name.toLowerCase() !== wantedAccount) {
      continue;
    }
    const found = account.permissionSets.find((set) => set.name.toLowerCase() === wantedSet);
    if (found !== undefined) {
      return { account, permissionSet: found };
    }
  }
  return undefined;
}
