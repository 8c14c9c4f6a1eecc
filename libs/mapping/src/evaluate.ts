import type { Identity } from '@fedgate/core';
import type { AccountConfig, AssignmentConfig, FedgateConfig, PermissionSetConfig } from '@fedgate/config';
import type { Entitlement, Evaluation, RuleTrace } from './entitlement';
import { roleSessionNameFor, sourceIdentityFor } from './session-names';

/** The parts of the configuration the mapping reads. */
export type MappingConfig = Pick<FedgateConfig, 'accounts' | 'permissionSets' | 'assignments' | 'backends'>;

function ruleName(rule: AssignmentConfig, index: number): string {
  return rule.name ?? `assignments[${index}]`;
}

/** Explains whether a rule's match applies to the identity. */
function matchRule(identity: Identity, rule: AssignmentConfig): { matched: boolean; reason: string } {
  const { connectors, groups } = rule.match;
  if (connectors && !connectors.includes(identity.connectorId)) {
    return {
      matched: false,
      reason: `connector ${identity.connectorId} is not one of ${connectors.join(', ')}`,
    };
  }
  const shared = groups.filter((group) => identity.groups.includes(group));
  if (shared.length === 0) {
    return { matched: false, reason: `not in any of the groups ${groups.join(', ')}` };
  }
  return { matched: true, reason: `member of ${shared.join(', ')}` };
}

function findAccount(config: MappingConfig, reference: string): AccountConfig | undefined {
  return config.accounts.find((account) => account.id === reference || account.name === reference);
}

function roleArnFor(set: PermissionSetConfig, account: AccountConfig, partition: string): string {
  if (set.roleArn !== undefined) {
    return set.roleArn.replaceAll('{{accountId}}', account.id).replaceAll('{{partition}}', partition);
  }
  return `arn:${partition}:iam::${account.id}:role/${set.roleName ?? ''}`;
}

/**
 * The entitlements an identity has: the union of the grants of every
 * assignment whose match applies, each (account, permission set) once, in a
 * stable order. Pure: no I/O, same answer for the same input. The config is
 * assumed validated (references resolve); a dangling reference is skipped
 * and shown in the trace rather than thrown.
 */
export function evaluate(identity: Identity, config: MappingConfig): Evaluation {
  const granted = new Map<string, Entitlement>();
  const trace: RuleTrace[] = config.assignments.map((rule, index) => {
    const { matched, reason } = matchRule(identity, rule);
    const entry: RuleTrace = { rule: ruleName(rule, index), matched, reason, grants: [] };
    if (!matched) {
      return entry;
    }
    for (const accountReference of rule.accounts) {
      const account = findAccount(config, accountReference);
      const backend = account && config.backends.find((candidate) => candidate.id === account.backend);
      for (const setName of rule.permissionSets) {
        const set = config.permissionSets.find((candidate) => candidate.name === setName);
        if (!account || !backend || !set) {
          entry.reason += `; skipped ${accountReference}/${setName}: not configured`;
          continue;
        }
        entry.grants.push({ accountId: account.id, permissionSet: set.name });
        granted.set(`${account.id}/${set.name}`, {
          accountId: account.id,
          accountName: account.name,
          partition: backend.partition,
          backendId: backend.id,
          permissionSet: set.name,
          ...(set.description === undefined ? {} : { description: set.description }),
          roleArn: roleArnFor(set, account, backend.partition),
          sessionDurationSeconds: set.sessionDuration,
          roleSessionName: roleSessionNameFor(identity),
          sourceIdentity: sourceIdentityFor(identity),
        });
      }
    }
    return entry;
  });
  const entitlements = [...granted.values()].sort(
    (a, b) => a.accountName.localeCompare(b.accountName) || a.permissionSet.localeCompare(b.permissionSet),
  );
  return { entitlements, trace };
}

/** Finds the entitlement for a request that names the account by id or name. */
export function findEntitlement(
  entitlements: readonly Entitlement[],
  account: string,
  permissionSet: string,
): Entitlement | undefined {
  return entitlements.find(
    (entitlement) =>
      (entitlement.accountId === account || entitlement.accountName === account) &&
      entitlement.permissionSet === permissionSet,
  );
}
