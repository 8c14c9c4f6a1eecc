import type { ConfigPath, PathIssue } from './issues';

/**
 * Tools for checks that the schema cannot express (names defined in one
 * section and used in another, uniqueness). Such checks read the raw,
 * reference-resolved data defensively: an entry that is not a mapping, or a
 * field that is not a string, is skipped (the schema reports those), so they
 * run even when the schema failed and the author sees every mistake at once.
 * Each check is one row, a condition with a path and a message, after Dex's
 * Config.Validate().
 */
export interface Check {
  failed: boolean;
  path: ConfigPath;
  message: string;
}

/** The issues of the rows that failed, in row order. */
export function failedChecks(checks: readonly Check[]): PathIssue[] {
  return checks.filter((check) => check.failed).map(({ path, message }) => ({ path, message }));
}

/** One mapping of the raw data. */
export type Entry = Readonly<Record<string, unknown>>;

/** A list entry that is a mapping, with its position. */
export interface Indexed {
  index: number;
  entry: Entry;
}

export function isEntry(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The mappings of a list, with their positions; anything else is skipped. */
export function entriesOf(value: unknown): Indexed[] {
  return Array.isArray(value)
    ? value.flatMap((entry: unknown, index) => (isEntry(entry) ? [{ index, entry }] : []))
    : [];
}

/** A string field, or undefined when absent or not a string. */
export function textAt(entry: Entry | undefined, key: string): string | undefined {
  const value = entry?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** String items of a list field, with their positions. */
export function stringsAt(entry: Entry | undefined, key: string): { index: number; value: string }[] {
  const value = entry?.[key];
  return Array.isArray(value)
    ? value.flatMap((item: unknown, index) => (typeof item === 'string' ? [{ index, value: item }] : []))
    : [];
}

/** The string values of `key` across entries. */
export function textsOf(list: readonly Indexed[], key: string): string[] {
  return list.flatMap(({ entry }) => textAt(entry, key) ?? []);
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
export function unknownName(what: string, value: string, names: readonly string[], labels = names): string {
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
export function duplicates(
  section: string,
  list: readonly Indexed[],
  key: string,
  options: { caseInsensitive: boolean },
): Check[] {
  const first = new Map<string, number>();
  return list.flatMap(({ index, entry }): Check[] => {
    const value = textAt(entry, key);
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
