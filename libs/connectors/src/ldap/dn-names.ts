/**
 * The value of a DN's first RDN, unescaped (RFC 4514): `cn=Dev\, Ops,ou=groups`
 * → `Dev, Ops`. Used to show groups by name.
 */
export function firstRdnValue(dn: string): string {
  let value = '';
  let started = false;
  for (let index = 0; index < dn.length; index++) {
    const character = dn.charAt(index);
    if (!started) {
      if (character === '=') {
        started = true;
      }
      continue;
    }
    if (character === '\\') {
      const hex = dn.slice(index + 1, index + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        value += String.fromCharCode(parseInt(hex, 16));
        index += 2;
      } else {
        value += dn.charAt(index + 1);
        index += 1;
      }
      continue;
    }
    if (character === ',' || character === '+') {
      break;
    }
    value += character;
  }
  return value.trim();
}
