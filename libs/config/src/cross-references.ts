import {
  arnParts,
  AWS_LIMITS,
  isConsoleHost,
  MFA_TAG_KEY,
  AUTH_TIME_TAG_KEY,
  type Partition,
} from '@fedgate/mapping';
import type { ConfigPath, PathIssue } from './issues';

/**
 * Checks that span several parts of the file, which the schema cannot
 * express. They read the data defensively (an entry that is not a mapping,
 * or a field that is not a string, is skipped: the schema reports those), so
 * they run even when the schema failed and the author sees every mistake at
 * once. Each check is one row: a condition, a path and a message, after
 * Dex's Config.Validate().
 */
interface Check {
  failed: boolean;
  path: ConfigPath;
  message: string;
}

type Entry = Readonly<Record<string, unknown>>;

interface Indexed {
  index: number;
  entry: Entry;
}

function isEntry(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entries(value: unknown): Indexed[] {
  return Array.isArray(value)
    ? value.flatMap((entry: unknown, index) => (isEntry(entry) ? [{ index, entry }] : []))
    : [];
}

function text(entry: Entry | undefined, key: string): string | undefined {
  const value = entry?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** String items of a list field, with their positions; anything else is the schema's business. */
function strings(entry: Entry | undefined, key: string): { index: number; value: string }[] {
  const value = entry?.[key];
  return Array.isArray(value)
    ? value.flatMap((item: unknown, index) => (typeof item === 'string' ? [{ index, value: item }] : []))
    : [];
}

const MAX_KNOWN_SHOWN = 10;

/** `(known: a, b)` so the author sees the candidates without opening another part of the file. */
function known(names: readonly string[]): string {
  if (names.length === 0) {
    return '(none are configured)';
  }
  const shown = names.slice(0, MAX_KNOWN_SHOWN).join(', ');
  return names.length > MAX_KNOWN_SHOWN ? `(known: ${shown}, …)` : `(known: ${shown})`;
}

/**
 * The message for a name that is not defined: the candidates (as `labels`,
 * when they read better than the bare names), or a hint when the name
 * differs from one only in case, since lookups are exact.
 */
function unknownName(what: string, value: string, names: readonly string[], labels = names): string {
  const sameButCase = names.find((name) => name.toLowerCase() === value.toLowerCase());
  return sameButCase === undefined
    ? `unknown ${what} "${value}" ${known(labels)}`
    : `unknown ${what} "${value}" (did you mean "${sameButCase}"? names are case-sensitive)`;
}

/**
 * One row per entry whose `key` repeats an earlier entry's, pointing at the
 * first. Names compare case-insensitively (they are shown to people and
 * `ReadOnly` next to `readonly` is a mistake); ids compare exactly.
 */
function duplicates(
  section: string,
  list: readonly Indexed[],
  key: string,
  options: { caseInsensitive: boolean },
): Check[] {
  const first = new Map<string, number>();
  return list.flatMap(({ index, entry }): Check[] => {
    const value = text(entry, key);
    if (value === undefined) {
      return [];
    }
    const normalized = options.caseInsensitive ? value.toLowerCase() : value;
    const earlier = first.get(normalized);
    if (earlier === undefined) {
      first.set(normalized, index);
      return [];
    }
    const note = options.caseInsensitive ? `; ${key}s are case-insensitive` : '';
    return [
      {
        failed: true,
        path: [section, index, key],
        message: `duplicates ${section}[${earlier}].${key} ("${value}"${note})`,
      },
    ];
  });
}

/**
 * Everything the schema cannot check: unique ids and names, and that every
 * name used in one place is defined in another. Accepts any parsed data,
 * valid or not.
 */
export function checkCrossReferences(data: unknown): PathIssue[] {
  const root = isEntry(data) ? data : {};
  const connectors = entries(root.connectors);
  const backends = entries(root.backends);
  const accounts = entries(root.accounts);
  const permissionSets = entries(root.permissionSets);
  const assignments = entries(root.assignments);
  const store = isEntry(root.store) ? root.store : undefined;

  const idsOf = (list: readonly Indexed[], key: string): string[] =>
    list.flatMap(({ entry }) => text(entry, key) ?? []);
  const connectorIds = idsOf(connectors, 'id');
  const backendIds = idsOf(backends, 'id');
  const accountIds = idsOf(accounts, 'id');
  const accountNames = idsOf(accounts, 'name');
  const permissionSetNames = idsOf(permissionSets, 'name');
  const accountLabels = accounts.flatMap(({ entry }) => {
    const id = text(entry, 'id');
    const name = text(entry, 'name');
    return id === undefined ? [] : [name === undefined ? id : `${name} (${id})`];
  });

  const checks: Check[] = [
    ...duplicates('connectors', connectors, 'id', { caseInsensitive: false }),
    ...duplicates('backends', backends, 'id', { caseInsensitive: false }),
    ...duplicates('accounts', accounts, 'id', { caseInsensitive: false }),
    ...duplicates('accounts', accounts, 'name', { caseInsensitive: true }),
    ...duplicates('permissionSets', permissionSets, 'name', { caseInsensitive: true }),
    ...duplicates('assignments', assignments, 'name', { caseInsensitive: true }),

    // Assignments name accounts by id or by name, so a name that is another account's id is ambiguous.
    ...accounts.map(({ index, entry }) => {
      const name = text(entry, 'name');
      const owner = accounts.find((other) => other.index !== index && text(other.entry, 'id') === name);
      return {
        failed: owner !== undefined,
        path: ['accounts', index, 'name'],
        message: `is the id of accounts[${owner?.index ?? -1}]; assignments could not tell the two apart`,
      };
    }),

    ...accounts.map(({ index, entry }) => {
      const backend = text(entry, 'backend');
      return {
        failed: backend !== undefined && !backendIds.includes(backend),
        path: ['accounts', index, 'backend'],
        message: unknownName('backend', backend ?? '', backendIds),
      };
    }),

    ...assignments.flatMap(({ index, entry }) => [
      ...strings(isEntry(entry.match) ? entry.match : undefined, 'connectors').map((item) => ({
        failed: !connectorIds.includes(item.value),
        path: ['assignments', index, 'match', 'connectors', item.index],
        message: unknownName('connector', item.value, connectorIds),
      })),
      ...strings(entry, 'accounts').map((item) => ({
        failed: item.value !== '*' && !accountIds.includes(item.value) && !accountNames.includes(item.value),
        path: ['assignments', index, 'accounts', item.index],
        message: unknownName('account', item.value, accountNames, accountLabels),
      })),
      ...strings(entry, 'permissionSets').map((item) => ({
        failed: item.value !== '*' && !permissionSetNames.includes(item.value),
        path: ['assignments', index, 'permissionSets', item.index],
        message: unknownName('permission set', item.value, permissionSetNames),
      })),
    ]),

    ...mappingChecks(root, { connectors, backends, accounts, permissionSets, assignments }, connectorIds),

    {
      // An empty prefix would put fedgate's keys among whatever else shares the Redis database.
      failed: text(store, 'type') === 'redis' && text(store, 'keyPrefix') === '',
      path: ['store', 'keyPrefix'],
      message: 'must not be empty (fedgate keys would mix with other data in the database)',
    },
  ];

  return checks.filter((check) => check.failed).map(({ path, message }) => ({ path, message }));
}

interface Sections {
  connectors: readonly Indexed[];
  backends: readonly Indexed[];
  accounts: readonly Indexed[];
  permissionSets: readonly Indexed[];
  assignments: readonly Indexed[];
}

/** The (account, permission set) pairs an assignment names, `*` expanded. */
function grantedPairs(assignment: Entry, sections: Sections): { account: Indexed; set: Indexed }[] {
  const accountRefs = strings(assignment, 'accounts').map((item) => item.value);
  const setRefs = strings(assignment, 'permissionSets').map((item) => item.value);
  const accounts = sections.accounts.filter(
    ({ entry }) =>
      accountRefs.includes('*') ||
      accountRefs.includes(text(entry, 'id') ?? '\u0000') ||
      accountRefs.includes(text(entry, 'name') ?? '\u0000'),
  );
  const sets = sections.permissionSets.filter(
    ({ entry }) => setRefs.includes('*') || setRefs.includes(text(entry, 'name') ?? '\u0000'),
  );
  return accounts.flatMap((account) => sets.map((set) => ({ account, set })));
}

function partitionOf(account: Entry, backends: readonly Indexed[]): Partition {
  const backend = backends.find(({ entry }) => text(entry, 'id') === text(account, 'backend'));
  const partition = text(backend?.entry, 'partition');
  return partition === 'aws-cn' || partition === 'aws-us-gov' ? partition : 'aws';
}

/**
 * The mapping's checks across sections: ARNs whose literal partition or
 * account contradicts an account a rule grants them in, console
 * destinations on another partition's host, GetFederationToken sets on
 * backends whose credentials are role credentials (AWS refuses them), tag
 * counts including fedgate's own tags, and the admins' connectors.
 */
function mappingChecks(root: Entry, sections: Sections, connectorIds: readonly string[]): Check[] {
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
    if (text(rule, 'effect') === 'deny') {
      continue;
    }
    for (const { account, set } of grantedPairs(rule, sections)) {
      const accountId = text(account.entry, 'id') ?? '';
      const partition = partitionOf(account.entry, sections.backends);
      const where = `assignments[${ruleIndex}] grants it in account ${text(account.entry, 'name') ?? accountId} (${accountId}, partition ${partition})`;
      const arns: { path: ConfigPath; arn: string; shared: boolean }[] = [];
      const roleArn = text(set.entry, 'roleArn');
      if (roleArn !== undefined) {
        arns.push({ path: ['permissionSets', set.index, 'roleArn'], arn: roleArn, shared: false });
      }
      for (const item of strings(set.entry, 'managedPolicyArns')) {
        arns.push({
          path: ['permissionSets', set.index, 'managedPolicyArns', item.index],
          arn: item.value,
          shared: true,
        });
      }
      for (const { path, arn, shared } of arns) {
        const parts = arnParts(arn);
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
      const destination = text(set.entry, 'consoleDestination');
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
        ({ entry }) => text(entry, 'id') === text(account.entry, 'backend'),
      );
      const backendMode = text(backend?.entry, 'mode') ?? 'assume-role';
      const setHasRole =
        text(set.entry, 'roleName') !== undefined || text(set.entry, 'roleArn') !== undefined;
      const mode = text(set.entry, 'mode') ?? (setHasRole ? backendMode : 'federation-token');
      if (text(set.entry, 'mode') === undefined && setHasRole && backendMode === 'federation-token') {
        once({
          failed: true,
          path: ['permissionSets', set.index, 'mode'],
          message: `is needed: the set names a role, but ${where} on backend ${text(backend?.entry, 'id') ?? ''}, whose mode is federation-token (use assume-role or web-identity)`,
        });
      }
      // A set with neither role nor policy is reported by the schema already.
      const setHasPolicy =
        set.entry.sessionPolicy !== undefined || strings(set.entry, 'managedPolicyArns').length > 0;
      if (
        text(set.entry, 'mode') === undefined &&
        !setHasRole &&
        setHasPolicy &&
        backendMode !== 'federation-token'
      ) {
        once({
          failed: true,
          path: ['permissionSets', set.index, 'roleName'],
          message: `is needed: ${where} on backend ${text(backend?.entry, 'id') ?? ''}, whose mode ${backendMode} assumes a role (or set mode: federation-token)`,
        });
      }
      const credentials = isEntry(backend?.entry.credentials) ? backend.entry.credentials : undefined;
      if (mode === 'federation-token' && text(credentials, 'sessionToken') !== undefined) {
        once({
          failed: true,
          path: ['assignments', ruleIndex, 'permissionSets'],
          message: `grants federation-token set ${text(set.entry, 'name') ?? ''} on backend ${text(backend?.entry, 'id') ?? ''}, whose credentials have a session token: GetFederationToken needs an IAM user's long-term keys`,
        });
      }
      if (mode === 'federation-token' && backend?.entry.roleChaining === true) {
        once({
          failed: true,
          path: ['assignments', ruleIndex, 'permissionSets'],
          message: `grants federation-token set ${text(set.entry, 'name') ?? ''} on backend ${text(backend.entry, 'id') ?? ''}, whose role credentials cannot call GetFederationToken (it needs an IAM user's keys)`,
        });
      }
    }
  }

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
    for (const item of strings(entry, 'transitiveTagKeys')) {
      const own = item.value === MFA_TAG_KEY || item.value === AUTH_TIME_TAG_KEY;
      if (item.value.toLowerCase().startsWith('fedgate:') && !(own && authTags)) {
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

  const admins = isEntry(root.admins) ? root.admins : undefined;
  for (const item of strings(admins, 'users')) {
    const connector = item.value.slice(0, item.value.indexOf(':'));
    if (item.value.includes(':') && !connectorIds.includes(connector)) {
      checks.push({
        failed: true,
        path: ['admins', 'users', item.index],
        message: unknownName('connector', connector, connectorIds),
      });
    }
  }
  for (const item of strings(admins, 'connectors')) {
    if (!connectorIds.includes(item.value)) {
      checks.push({
        failed: true,
        path: ['admins', 'connectors', item.index],
        message: unknownName('connector', item.value, connectorIds),
      });
    }
  }
  return checks;
}
