import { isAbsolute, resolve } from 'node:path';
import type { ConfigPath, PathIssue } from './issues';
import { readTextFileSync } from './read-text-file';

/** Where references get their values. */
export interface ReferenceSources {
  /** Environment for `${env:NAME}`. */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory that relative `${file:PATH}` paths start from: the config file's directory. */
  baseDir: string;
}

/** The data with every reference replaced, what went wrong, and the values that must never be shown. */
export interface ResolvedReferences {
  /** A copy of the input; strings whose references failed are left as written. */
  value: unknown;
  /** One issue per failed reference, at the path of the string that holds it. */
  issues: PathIssue[];
  /** Paths of strings that contained at least one reference. */
  referencePaths: ConfigPath[];
  /** Every value a reference produced, so callers can keep them out of messages. */
  secrets: string[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KINDS = 'use ${env:NAME} or ${file:PATH}, or $${ for a literal ${';

type Lookup = { ok: true; value: string } | { ok: false; message: string };

function lookup(kind: string, argument: string, sources: ReferenceSources): Lookup {
  switch (kind) {
    case 'env': {
      if (!ENV_NAME.test(argument)) {
        return { ok: false, message: `"${argument}" is not an environment variable name` };
      }
      const value = sources.env[argument];
      return value === undefined
        ? { ok: false, message: `environment variable ${argument} is not set` }
        : { ok: true, value };
    }
    case 'file': {
      if (argument === '') {
        return { ok: false, message: 'a ${file:…} reference needs a path' };
      }
      const path = isAbsolute(argument) ? argument : resolve(sources.baseDir, argument);
      const read = readTextFileSync(path);
      // Secret files usually end in a newline (echo, editors); it is never part of the secret.
      return read.ok
        ? { ok: true, value: read.text.replace(/[\r\n]+$/, '') }
        : { ok: false, message: `cannot read file ${argument}: ${read.reason}` };
    }
    default:
      return { ok: false, message: `unknown reference kind "${kind}" (${KINDS})` };
  }
}

interface StringResult {
  value: string;
  problems: string[];
  secrets: string[];
  hasReference: boolean;
}

/**
 * Expands the references in one string, left to right. `$${` is a literal
 * `${`; a `$` anywhere else is itself. Produced text is not scanned again,
 * so a secret containing `${` stays as it is.
 */
function resolveString(text: string, sources: ReferenceSources): StringResult {
  const result: StringResult = { value: '', problems: [], secrets: [], hasReference: false };
  let index = 0;
  while (index < text.length) {
    if (text.startsWith('$${', index)) {
      result.value += '${';
      index += 3;
      continue;
    }
    if (!text.startsWith('${', index)) {
      result.value += text.charAt(index);
      index += 1;
      continue;
    }
    result.hasReference = true;
    const end = text.indexOf('}', index + 2);
    if (end < 0) {
      result.problems.push(`unterminated reference: "\${" without "}" (${KINDS})`);
      result.value += text.slice(index);
      break;
    }
    const body = text.slice(index + 2, end);
    const colon = body.indexOf(':');
    const found =
      colon < 0
        ? { ok: false as const, message: `reference "\${${body}}" has no kind (${KINDS})` }
        : lookup(body.slice(0, colon), body.slice(colon + 1), sources);
    if (found.ok) {
      result.value += found.value;
      result.secrets.push(found.value);
    } else {
      result.problems.push(found.message);
    }
    index = end + 1;
  }
  return result;
}

/**
 * Replaces `${env:NAME}` and `${file:PATH}` in every string value (not in
 * keys) of parsed YAML data, whole or embedded in other text. The input is
 * not modified. Messages name the variable or the file, never a value.
 */
export function resolveReferences(data: unknown, sources: ReferenceSources): ResolvedReferences {
  const resolved: ResolvedReferences = { value: undefined, issues: [], referencePaths: [], secrets: [] };
  const walk = (value: unknown, path: ConfigPath): unknown => {
    if (typeof value === 'string') {
      const result = resolveString(value, sources);
      if (!result.hasReference) {
        return result.value;
      }
      resolved.referencePaths.push(path);
      resolved.secrets.push(...result.secrets);
      resolved.issues.push(...result.problems.map((message) => ({ path, message })));
      // Leave a failed string as written so later checks see a string, not a half-expanded one.
      return result.problems.length > 0 ? value : result.value;
    }
    if (Array.isArray(value)) {
      return value.map((item: unknown, index) => walk(item, [...path, index]));
    }
    if (typeof value === 'object' && value !== null) {
      // fromEntries defines own properties, so a `__proto__` key stays a key.
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key])]),
      );
    }
    return value;
  };
  resolved.value = walk(data, []);
  return resolved;
}
