/** A token's claims as JSON. */
export type Claims = Readonly<Record<string, unknown>>;

/**
 * Reads a claim by dotted path. Claim names may hold dots themselves
 * (Kubernetes' `kubernetes.io`), so at each level the longest run of path
 * segments that is a key of the object is taken: `kubernetes.io.namespace`
 * reads `claims["kubernetes.io"].namespace`.
 */
export function claimAt(claims: Claims, path: string): unknown {
  const segments = path.split('.');
  let value: unknown = claims;
  let start = 0;
  while (start < segments.length) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return undefined;
    }
    const object = value as Record<string, unknown>;
    let end = segments.length;
    while (end > start && !Object.hasOwn(object, segments.slice(start, end).join('.'))) {
      end -= 1;
    }
    if (end === start) {
      return undefined;
    }
    value = object[segments.slice(start, end).join('.')];
    start = end;
  }
  return value;
}

/** A claim's values as strings: a string, number or boolean, or an array of them; anything else is `malformed`. */
export function claimStrings(claims: Claims, path: string): string[] | 'malformed' {
  const value = claimAt(claims, path);
  if (value === undefined || value === null) {
    return [];
  }
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  const strings: string[] = [];
  for (const item of values) {
    if (typeof item === 'string') {
      strings.push(item);
    } else if (typeof item === 'number' || typeof item === 'boolean') {
      strings.push(String(item));
    } else {
      return 'malformed';
    }
  }
  return strings;
}
