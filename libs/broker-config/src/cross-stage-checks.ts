import {
  duplicates,
  entriesOf,
  failedChecks,
  isEntry,
  stringsAt,
  textsOf,
  unknownName,
  type Check,
  type PathIssue,
} from '@fedgate/config';

/**
 * The checks that span stages: connector ids are unique, and every
 * connector the mapping names (in assignments and admins) is configured.
 * Reads the raw data defensively, like every cross-check.
 */
export function checkConnectorReferences(data: unknown): PathIssue[] {
  const root = isEntry(data) ? data : {};
  const connectors = entriesOf(root.connectors);
  const connectorIds = textsOf(connectors, 'id');
  const admins = isEntry(root.admins) ? root.admins : undefined;

  const checks: Check[] = [
    ...duplicates('connectors', connectors, 'id', { caseInsensitive: false }),
    ...entriesOf(root.assignments).flatMap(({ index, entry }) =>
      stringsAt(isEntry(entry.match) ? entry.match : undefined, 'connectors').map((item) => ({
        failed: !connectorIds.includes(item.value),
        path: ['assignments', index, 'match', 'connectors', item.index],
        message: unknownName('connector', item.value, connectorIds),
      })),
    ),
    ...stringsAt(admins, 'users').map((item) => {
      const connector = item.value.slice(0, item.value.indexOf(':'));
      return {
        failed: item.value.includes(':') && !connectorIds.includes(connector),
        path: ['admins', 'users', item.index],
        message: unknownName('connector', connector, connectorIds),
      };
    }),
    ...stringsAt(admins, 'connectors').map((item) => ({
      failed: !connectorIds.includes(item.value),
      path: ['admins', 'connectors', item.index],
      message: unknownName('connector', item.value, connectorIds),
    })),
  ];
  return failedChecks(checks);
}
