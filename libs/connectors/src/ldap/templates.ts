import { Filter, FilterParser } from 'ldapts';

/** `{name}` in a configured template. */
const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/**
 * Fills `{name}` placeholders with values, each passed through `escape`
 * first. Values are inserted literally: unlike String.replace with a string,
 * nothing in a value (`$&`, `$'`, `$$`) is read as a pattern, so a username
 * can never rewrite the template around it. A placeholder without a value is
 * a programming error (config validation lists the allowed ones).
 */
export function fillTemplate(
  template: string,
  values: Readonly<Record<string, string>>,
  escape: (value: string) => string,
): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new RangeError(`the template has no value for {${name}}`);
    }
    return escape(value);
  });
}

/** RFC 4515 escaping of a value inside a search filter: `*`, `(`, `)`, `\` and NUL. */
export function escapeFilterValue(value: string): string {
  return Filter.escape(value);
}

/**
 * RFC 4514 escaping of an attribute value inside a DN: `"`, `+`, `,`, `;`,
 * `<`, `>`, `\` and `=` anywhere, a leading space or `#`, a trailing space,
 * and NUL as `\00`.
 */
export function escapeDnValue(value: string): string {
  // Code points, not UTF-16 units: a non-BMP character is one character of the value.
  const characters = Array.from(value);
  return characters
    .map((character, index) => {
      if (character === '\0') {
        return '\\00';
      }
      const edge =
        (index === 0 && (character === ' ' || character === '#')) ||
        (index === characters.length - 1 && character === ' ');
      return edge || '"+,;<>\\='.includes(character) ? `\\${character}` : character;
    })
    .join('');
}

/**
 * What is wrong with a configured filter template, or undefined when it is
 * sound: it may use only the `allowed` placeholders, must use every one of
 * `required`, and, filled with a sample value, must parse as an LDAP search
 * filter (RFC 4515). Run at config validation, so a broken template stops
 * start-up instead of failing every login.
 */
export function filterTemplateProblem(
  template: string,
  allowed: readonly string[],
  required: readonly string[] = [],
): string | undefined {
  const used = [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
  const unknown = used.filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    return `unknown placeholder {${unknown[0] ?? ''}}: only ${allowed.map((name) => `{${name}}`).join(', ')} can be used`;
  }
  const missing = required.filter((name) => !used.includes(name));
  if (missing.length > 0) {
    return `must contain {${missing[0] ?? ''}}`;
  }
  if (!template.trim().startsWith('(')) {
    return 'must be an LDAP filter in parentheses, e.g. (uid={username})';
  }
  if (!balanced(template)) {
    return 'is not a valid LDAP filter: its parentheses do not balance';
  }
  const sample = fillTemplate(
    template,
    Object.fromEntries(allowed.map((name) => [name, 'sample*)($&'])),
    escapeFilterValue,
  );
  try {
    FilterParser.parseString(sample);
  } catch (error) {
    return `is not a valid LDAP filter: ${error instanceof Error ? error.message.replace(/\. Full string: .*$/s, '') : String(error)}`;
  }
  return undefined;
}

/**
 * Whether every `(` has its `)`: in a filter, parentheses inside values are
 * always escaped (`\28`, `\29`), so every raw one is structure. ldapts's
 * parser closes what is left open, which would hide a typo.
 */
function balanced(filter: string): boolean {
  let depth = 0;
  for (const character of filter) {
    depth += character === '(' ? 1 : character === ')' ? -1 : 0;
    if (depth < 0) {
      return false;
    }
  }
  return depth === 0;
}
