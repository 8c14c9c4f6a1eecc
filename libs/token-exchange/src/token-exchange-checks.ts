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
  type PathIssue,
} from '@fedgate/config';

/**
 * The `tokenExchange` section's cross-checks: client ids are unique; every
 * issuer a client names is a `jwt` connector, and no two of one client's
 * issuers share an `issuer` (a token must select exactly one); accounts
 * and permission sets exist (names ignoring case, as requests do). Reads
 * the raw data defensively, like every cross-check.
 */
export function checkTokenExchangeReferences(data: unknown): PathIssue[] {
  const root = isEntry(data) ? data : {};
  const section = isEntry(root.tokenExchange) ? root.tokenExchange : {};
  const clients = entriesOf(section.clients);
  const connectors = entriesOf(root.connectors);
  const jwtConnectors = connectors.filter(({ entry }) => entry.type === 'jwt');
  const jwtIds = textsOf(jwtConnectors, 'id');
  const issuerOf = new Map(jwtConnectors.map(({ entry }) => [textAt(entry, 'id'), textAt(entry, 'issuer')]));
  const accounts = entriesOf(root.accounts);
  const accountNames = [...textsOf(accounts, 'id'), ...textsOf(accounts, 'name')];
  const setNames = textsOf(entriesOf(root.permissionSets), 'name');
  const known = (names: readonly string[], value: string): boolean =>
    value === '*' || names.some((name) => name.toLowerCase() === value.toLowerCase());

  const checks: Check[] = [
    ...duplicates('tokenExchange.clients', clients, 'id', { caseInsensitive: false }).map((check) => ({
      ...check,
      path: ['tokenExchange', 'clients', ...check.path.slice(1)],
    })),
    ...clients.flatMap(({ index, entry }) => {
      const base = ['tokenExchange', 'clients', index];
      const seenIssuers = new Map<string, string>();
      return [
        ...stringsAt(entry, 'issuers').map((item) => {
          const issuer = issuerOf.get(item.value);
          const clash = issuer === undefined ? undefined : seenIssuers.get(issuer);
          if (issuer !== undefined && clash === undefined) {
            seenIssuers.set(issuer, item.value);
          }
          return {
            failed: !jwtIds.includes(item.value) || clash !== undefined,
            path: [...base, 'issuers', item.index],
            message:
              clash !== undefined
                ? `has the same issuer as connector "${clash}"; a token must name one connector`
                : unknownName('jwt connector', item.value, jwtIds),
          };
        }),
        ...stringsAt(entry, 'accounts').map((item) => ({
          failed: !known(accountNames, item.value),
          path: [...base, 'accounts', item.index],
          message: unknownName('account', item.value, accountNames),
        })),
        ...stringsAt(entry, 'permissionSets').map((item) => ({
          failed: !known(setNames, item.value),
          path: [...base, 'permissionSets', item.index],
          message: unknownName('permission set', item.value, setNames),
        })),
      ];
    }),
  ];
  return failedChecks(checks);
}
