import { firstRdnValue } from './dn-names';

/**
 * Reduces the spellings of a username people type (`alice`, `CORP\alice`,
 * `alice@corp.example`) to the plain name the search filter uses. Only
 * domains and suffixes the config lists are accepted: `OTHER\alice` is not
 * silently treated as `alice`.
 */
export function plainUsername(
  input: string,
  accepted: { downLevelDomains: readonly string[]; upnSuffixes: readonly string[] },
): string | undefined {
  const name = input.trim();
  const backslash = name.indexOf('\\');
  if (backslash >= 0) {
    const domain = name.slice(0, backslash);
    const rest = name.slice(backslash + 1);
    const known = accepted.downLevelDomains.some(
      (candidate) => candidate.toLowerCase() === domain.toLowerCase(),
    );
    return known && rest !== '' ? rest : undefined;
  }
  const at = name.lastIndexOf('@');
  if (at >= 0 && accepted.upnSuffixes.length > 0) {
    const suffix = name.slice(at + 1);
    const known = accepted.upnSuffixes.some((candidate) => candidate.toLowerCase() === suffix.toLowerCase());
    // An unlisted suffix may be part of a username that really contains `@`: keep it whole.
    return known ? name.slice(0, at) || undefined : name;
  }
  return name === '' ? undefined : name;
}

/**
 * The name a user would type to mean the service account, from its bind
 * name: the first RDN's value of a DN (`uid=svc-fedgate,ou=people,…` →
 * `svc-fedgate`), or the account part of a UPN or down-level name that
 * Active Directory also accepts as a bind name.
 */
export function serviceAccountName(bindDn: string): string {
  if (bindDn.includes('=')) {
    return firstRdnValue(bindDn);
  }
  const backslash = bindDn.indexOf('\\');
  if (backslash >= 0) {
    return bindDn.slice(backslash + 1);
  }
  const at = bindDn.lastIndexOf('@');
  return at > 0 ? bindDn.slice(0, at) : bindDn;
}

/** Whether two DNs name the same entry, ignoring case and the spaces around `,` and `=`. */
export function sameDn(one: string, other: string): boolean {
  const normal = (dn: string) =>
    dn
      .replace(/\s*([,=+])\s*/g, '$1')
      .trim()
      .toLowerCase();
  return normal(one) === normal(other);
}
