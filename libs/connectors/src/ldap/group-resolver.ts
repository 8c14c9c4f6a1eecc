import type { DirectoryClient, DirectoryEntry } from './directory-client';
import type { LdapConnectorConfig } from './ldap-connector.config';
import { escapeFilterValue, fillTemplate } from './templates';

/** Bounds a recursive walk however the directory is shaped. */
const MAX_GROUPS = 1000;
const AD_IN_CHAIN = '1.2.840.113556.1.4.1941';

function values(entry: DirectoryEntry, attribute: string): string[] {
  const value =
    entry[attribute] ??
    entry[Object.keys(entry).find((key) => key.toLowerCase() === attribute.toLowerCase()) ?? ''];
  if (value === undefined) {
    return [];
  }
  return (Array.isArray(value) ? value : [value]).map((item) => item.toString());
}

/**
 * The DNs of the groups a user is in, by the configured mode. Every value
 * put into a filter is escaped (RFC 4515); the recursive mode remembers what
 * it has seen, so cycles end, and stops at maxDepth and MAX_GROUPS.
 */
export async function resolveGroupDns(
  client: DirectoryClient,
  groups: NonNullable<LdapConnectorConfig['groups']>,
  user: { dn: string; username: string; entry: DirectoryEntry },
): Promise<string[]> {
  switch (groups.mode) {
    case 'memberOf':
      return values(user.entry, groups.attribute);
    case 'search': {
      const filter = fillTemplate(groups.filter, { dn: user.dn, username: user.username }, escapeFilterValue);
      return (await client.search(groups.baseDn, filter, ['cn'])).map((entry) => entry.dn);
    }
    case 'ad-nested': {
      const filter = `(&(objectClass=group)(member:${AD_IN_CHAIN}:=${escapeFilterValue(user.dn)}))`;
      return (await client.search(groups.baseDn, filter, ['cn'])).map((entry) => entry.dn);
    }
    case 'recursive': {
      // Keyed case-insensitively (DNs compare so), keeping the directory's spelling.
      const seen = new Map<string, string>();
      let frontier = [user.dn];
      for (let depth = 0; depth < groups.maxDepth && frontier.length > 0 && seen.size < MAX_GROUPS; depth++) {
        const memberTerms = frontier.map(
          (dn) => `(member=${escapeFilterValue(dn)})(uniqueMember=${escapeFilterValue(dn)})`,
        );
        const found = await client.search(groups.baseDn, `(|${memberTerms.join('')})`, ['cn']);
        frontier = [];
        for (const entry of found) {
          const key = entry.dn.toLowerCase();
          if (!seen.has(key) && seen.size < MAX_GROUPS) {
            seen.set(key, entry.dn);
            frontier.push(entry.dn);
          }
        }
      }
      return [...seen.values()];
    }
  }
}
