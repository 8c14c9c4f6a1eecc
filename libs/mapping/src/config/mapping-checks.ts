import {
  duplicates,
  entriesOf,
  failedChecks,
  isEntry,
  stringsAt,
  textAt,
  textsOf,
  unknownName,
  type Check,
  type ConfigPath,
  type Entry,
  type Indexed,
  type PathIssue,
} from '@fedgate/config';
import { AWS_LIMITS, isConsoleHost, isPartition, type Partition } from '@fedgate/aws';
import { AUTH_TIME_TAG_KEY, FEDGATE_TAG_PREFIX, MFA_TAG_KEY, templateArnParts } from '../aws-rules';

/**
 * The mapping sections' checks that the schema cannot express: unique ids
 * and names, names used in one mapping section and defined in another, and
 * the rules below that span sections. Accepts any parsed data, valid or
 * not (see @fedgate/config's cross-check tools). References to other
 * stages' sections (connectors) are the composer's to check.
 */
export function checkMappingSections(data: unknown): PathIssue[] {
  const root = isEntry(data) ? data : {};
  const sections: Sections = {
    backends: entriesOf(root.backends),
    accounts: entriesOf(root.accounts),
    permissionSets: entriesOf(root.permissionSets),
    assignments: entriesOf(root.assignments),
  };
  const { backends, accounts, permissionSets, assignments } = sections;
  const backendIds = textsOf(backends, 'id');
  const accountIds = textsOf(accounts, 'id');
  const accountNames = textsOf(accounts, 'name');
  const permissionSetNames = textsOf(permissionSets, 'name');
  const accountLabels = accounts.map(({ index, entry }) => {
    const id = textAt(entry, 'id') ?? `accounts[${index}], invalid`;
    const name = textAt(entry, 'name');
    return name === undefined ? id : `${name} (${id})`;
  });

  return failedChecks([
    ...duplicates('backends', backends, 'id', { caseInsensitive: false }),
    ...duplicates('accounts', accounts, 'id', { caseInsensitive: false }),
    ...duplicates('accounts', accounts, 'name', { caseInsensitive: true }),
    ...duplicates('permissionSets', permissionSets, 'name', { caseInsensitive: true }),
    ...duplicates('assignments', assignments, 'name', { caseInsensitive: true }),

    // Assignments name accounts by id or by name, so a name that is another account's id is ambiguous.
    ...accounts.map(({ index, entry }) => {
      const name = textAt(entry, 'name');
      const owner = accounts.find((other) => other.index !== index && textAt(other.entry, 'id') === name);
      return {
        failed: owner !== undefined,
        path: ['accounts', index, 'name'],
        message: `is the id of accounts[${owner?.index ?? -1}]; assignments could not tell the two apart`,
      };
    }),

    ...accounts.map(({ index, entry }) => {
      const backend = textAt(entry, 'backend');
      return {
        failed: backend !== undefined && !backendIds.includes(backend),
        path: ['accounts', index, 'backend'],
        message: unresolved(
          'backend',
          backend ?? '',
          { section: 'backends', list: backends, keys: ['id'] },
          backendIds,
        ),
      };
    }),

    ...assignments.flatMap(({ index, entry }) => [
      ...stringsAt(entry, 'accounts').map((item) => ({
        failed: item.value !== '*' && !accountIds.includes(item.value) && !accountNames.includes(item.value),
        path: ['assignments', index, 'accounts', item.index],
        message: unresolved(
          'account',
          item.value,
          { section: 'accounts', list: accounts, keys: ['id', 'name'] },
          accountNames,
          accountLabels,
        ),
      })),
      ...stringsAt(entry, 'permissionSets').map((item) => ({
        failed: item.value !== '*' && !permissionSetNames.includes(item.value),
        path: ['assignments', index, 'permissionSets', item.index],
        message: unresolved(
          'permission set',
          item.value,
          { section: 'permissionSets', list: permissionSets, keys: ['name'] },
          permissionSetNames,
        ),
      })),
    ]),

    ...grantChecks(sections),
    ...tagChecks(root, sections),
  ]);
}

/** Where the entries a reference may name are, and the keys that name them. */
interface Referenced {
  section: string;
  list: readonly Indexed[];
  keys: readonly string[];
}

/** A key's value as the author wrote it, when the schema refuses it (`id: 123456789012`, a number). */
function invalidText(entry: Entry, key: string): string | undefined {
  const value = entry[key];
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
    ? String(value)
    : undefined;
}

/**
 * The message for a reference that names no valid entry. When an entry does
 * carry that name but is itself invalid (an id that is not a string, say), the
 * message points at it: "unknown" would send the author looking for a typo
 * that is not there.
 */
function unresolved(
  what: string,
  value: string,
  where: Referenced,
  names: readonly string[],
  labels: readonly string[] = names,
): string {
  const invalid = where.list.find(({ entry }) => where.keys.some((key) => invalidText(entry, key) === value));
  if (invalid !== undefined) {
    return `${what} "${value}" is ${where.section}[${invalid.index}], which is invalid: see the errors reported for it`;
  }
  return unknownName(what, value, names, labels);
}

interface Sections {
  backends: readonly Indexed[];
  accounts: readonly Indexed[];
  permissionSets: readonly Indexed[];
  assignments: readonly Indexed[];
}

/** The (account, permission set) pairs an assignment names, `*` expanded. */
function grantedPairs(assignment: Entry, sections: Sections): { account: Indexed; set: Indexed }[] {
  const accountRefs = stringsAt(assignment, 'accounts').map((item) => item.value);
  const setRefs = stringsAt(assignment, 'permissionSets').map((item) => item.value);
  const accounts = sections.accounts.filter(
    ({ entry }) =>
      accountRefs.includes('*') ||
      accountRefs.includes(textAt(entry, 'id') ?? '\u0000') ||
      accountRefs.includes(textAt(entry, 'name') ?? '\u0000'),
  );
  const sets = sections.permissionSets.filter(
    ({ entry }) => setRefs.includes('*') || setRefs.includes(textAt(entry, 'name') ?? '\u0000'),
  );
  return accounts.flatMap((account) => sets.map((set) => ({ account, set })));
}

function partitionOf(account: Entry, backends: readonly Indexed[]): Partition {
  const backend = backends.find(({ entry }) => textAt(entry, 'id') === textAt(account, 'backend'));
  const partition = textAt(backend?.entry, 'partition') ?? 'aws';
  // An unknown partition is the schema's to report; check the rest as the default partition.
  return isPartition(partition) ? partition : 'aws';
}

/**
 * What each allow rule grants, pair by pair: ARNs whose literal partition or
 * account contradicts an account a rule grants them in, console
 * destinations on another partition's host, sets whose shape does not fit
 * the mode their backend gives them, and GetFederationToken sets on
 * backends whose credentials are role credentials (AWS refuses them).
 */
function grantChecks(sections: Sections): Check[] {
  const checks: Check[] = [];
  const reported = new Set<string>();
  const once = (check: Check): void => {
    const key = JSON.stringify(check.path);
    if (!reported.has(key)) {
      reported.add(key);
      checks.push(check);
    }
  };
  for (const { index: ruleIndex, entry: rule } of sections.assignments) {
    if (textAt(rule, 'effect') === 'deny') {
      continue;
    }
    for (const { account, set } of grantedPairs(rule, sections)) {
      const accountId = textAt(account.entry, 'id') ?? '';
      const partition = partitionOf(account.entry, sections.backends);
      const where = `assignments[${ruleIndex}] grants it in account ${textAt(account.entry, 'name') ?? accountId} (${accountId}, partition ${partition})`;
      const arns: { path: ConfigPath; arn: string; shared: boolean }[] = [];
      const roleArn = textAt(set.entry, 'roleArn');
      if (roleArn !== undefined) {
        arns.push({ path: ['permissionSets', set.index, 'roleArn'], arn: roleArn, shared: false });
      }
      for (const item of stringsAt(set.entry, 'managedPolicyArns')) {
        arns.push({
          path: ['permissionSets', set.index, 'managedPolicyArns', item.index],
          arn: item.value,
          shared: true,
        });
      }
      for (const { path, arn, shared } of arns) {
        const parts = templateArnParts(arn);
        if (parts === undefined) {
          continue;
        }
        if (parts.partition !== '{{partition}}' && parts.partition !== partition) {
          once({ failed: true, path, message: `is in partition ${parts.partition}, but ${where}` });
        } else if (
          parts.account !== '{{accountId}}' &&
          parts.account !== accountId &&
          !(shared && parts.account === 'aws')
        ) {
          once({ failed: true, path, message: `is in account ${parts.account}, but ${where}` });
        }
      }
      const destination = textAt(set.entry, 'consoleDestination');
      if (destination !== undefined && URL.canParse(destination)) {
        const host = new URL(destination).hostname;
        if (!isConsoleHost(host, partition)) {
          once({
            failed: true,
            path: ['permissionSets', set.index, 'consoleDestination'],
            message: `is not on the console of partition ${partition}, but ${where}`,
          });
        }
      }
      const backend = sections.backends.find(
        ({ entry }) => textAt(entry, 'id') === textAt(account.entry, 'backend'),
      );
      const backendMode = textAt(backend?.entry, 'mode') ?? 'assume-role';
      const setHasRole =
        textAt(set.entry, 'roleName') !== undefined || textAt(set.entry, 'roleArn') !== undefined;
      const mode = textAt(set.entry, 'mode') ?? (setHasRole ? backendMode : 'federation-token');
      if (textAt(set.entry, 'mode') === undefined && setHasRole && backendMode === 'federation-token') {
        once({
          failed: true,
          path: ['permissionSets', set.index, 'mode'],
          message: `is needed: the set names a role, but ${where} on backend ${textAt(backend?.entry, 'id') ?? ''}, whose mode is federation-token (use assume-role or web-identity)`,
        });
      }
      // A set with neither role nor policy is reported by the schema already.
      const setHasPolicy =
        set.entry.sessionPolicy !== undefined || stringsAt(set.entry, 'managedPolicyArns').length > 0;
      if (
        textAt(set.entry, 'mode') === undefined &&
        !setHasRole &&
        setHasPolicy &&
        backendMode !== 'federation-token'
      ) {
        once({
          failed: true,
          path: ['permissionSets', set.index, 'roleName'],
          message: `is needed: ${where} on backend ${textAt(backend?.entry, 'id') ?? ''}, whose mode ${backendMode} assumes a role (or set mode: federation-token)`,
        });
      }
      const credentials = isEntry(backend?.entry.credentials) ? backend.entry.credentials : undefined;
      if (mode === 'federation-token' && textAt(credentials, 'sessionToken') !== undefined) {
        once({
          failed: true,
          path: ['assignments', ruleIndex, 'permissionSets'],
          message: `grants federation-token set ${textAt(set.entry, 'name') ?? ''} on backend ${textAt(backend?.entry, 'id') ?? ''}, whose credentials have a session token: GetFederationToken needs an IAM user's long-term keys`,
        });
      }
      if (mode === 'federation-token' && backend?.entry.roleChaining === true) {
        once({
          failed: true,
          path: ['assignments', ruleIndex, 'permissionSets'],
          message: `grants federation-token set ${textAt(set.entry, 'name') ?? ''} on backend ${textAt(backend.entry, 'id') ?? ''}, whose role credentials cannot call GetFederationToken (it needs an IAM user's keys)`,
        });
      }
    }
  }
  return checks;
}

/** Tag counts including fedgate's own tags, and transitive keys naming fedgate's tags. */
function tagChecks(root: Entry, sections: Sections): Check[] {
  const checks: Check[] = [];
  const settings = isEntry(root.mapping) ? root.mapping : undefined;
  const tagSettings = isEntry(settings?.tags) ? settings.tags : undefined;
  const authTags = tagSettings?.authTags === true;
  for (const { index, entry } of sections.permissionSets) {
    const tags = isEntry(entry.tags) ? Object.keys(entry.tags).length : 0;
    if (authTags && tags + 2 > AWS_LIMITS.maxTags) {
      checks.push({
        failed: true,
        path: ['permissionSets', index, 'tags'],
        message: `has ${tags} tags; with fedgate:mfa and fedgate:auth-time that is over AWS's ${AWS_LIMITS.maxTags}`,
      });
    }
    for (const item of stringsAt(entry, 'transitiveTagKeys')) {
      const own = item.value === MFA_TAG_KEY || item.value === AUTH_TIME_TAG_KEY;
      if (item.value.toLowerCase().startsWith(FEDGATE_TAG_PREFIX) && !(own && authTags)) {
        checks.push({
          failed: true,
          path: ['permissionSets', index, 'transitiveTagKeys', item.index],
          message: own
            ? `"${item.value}" is only sent with mapping.tags.authTags: true`
            : `"${item.value}" is not a tag fedgate sends (its own are ${MFA_TAG_KEY} and ${AUTH_TIME_TAG_KEY})`,
        });
      }
    }
  }
  return checks;
}
