import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
} from 'yaml';
import type { ConfigIssue, ConfigPath } from './issues';
import { ROOT_PATH } from './issues';

/**
 * Aliases may expand to at most this many nodes in total. Real configs use a
 * handful (a shared `match:` block); a "billion laughs" document needs far more.
 */
export const MAX_ALIAS_COUNT = 100;

/** A parsed YAML file: its plain data, and a way to find where a path is in the text. */
export interface YamlSource {
  data: unknown;
  /** The character offset of the deepest existing node on `path` (the key, for map entries). */
  offsetOf: (path: ConfigPath) => number;
}

export type YamlParseResult = { ok: true; source: YamlSource } | { ok: false; issues: ConfigIssue[] };

interface LocatedIssue {
  offset: number;
  issue: ConfigIssue;
}

function at(lineCounter: LineCounter, offset: number, message: string): ConfigIssue {
  const { line, col } = lineCounter.linePos(offset);
  return { path: `line ${line}, column ${col}`, message };
}

/** Aliases whose anchor is missing only fail when converting to JS; find them first so they get a position. */
function unresolvedAliases(document: Document, lineCounter: LineCounter): LocatedIssue[] {
  const issues: LocatedIssue[] = [];
  visit(document, {
    Alias(_key, alias) {
      if (alias.resolve(document) === undefined) {
        const offset = alias.range?.[0] ?? 0;
        const message = `unknown alias *${alias.source} (define &${alias.source} before it)`;
        issues.push({ offset, issue: at(lineCounter, offset, message) });
      }
    },
  });
  return issues;
}

function keyOf(key: unknown): string | undefined {
  if (isScalar(key)) {
    return String(key.value);
  }
  return typeof key === 'string' ? key : undefined;
}

function locator(document: Document): (path: ConfigPath) => number {
  return (path) => {
    let node: unknown = document.contents;
    let offset = isNode(node) ? (node.range?.[0] ?? 0) : 0;
    for (const segment of path) {
      if (isAlias(node)) {
        node = node.resolve(document);
      }
      let next: unknown;
      let start: number | undefined;
      if (isMap(node)) {
        const pair = node.items.find((item) => keyOf(item.key) === String(segment));
        next = pair?.value;
        start = pair && isNode(pair.key) ? pair.key.range?.[0] : undefined;
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
        start = isNode(next) ? next.range?.[0] : undefined;
      }
      if (start === undefined) {
        break;
      }
      offset = start;
      node = next;
    }
    return offset;
  };
}

/**
 * Parses one YAML document strictly: duplicate keys, several documents in one
 * file, unknown tags and unresolvable aliases are all errors, and every one
 * is reported with its line and column. Alias expansion is bounded
 * (MAX_ALIAS_COUNT) so a small file cannot expand into gigabytes. An
 * empty document is an issue too: `the file is empty`, followed by
 * ` (emptyHint)` when the format gives one.
 */
export function parseYaml(text: string, emptyHint?: string): YamlParseResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    stringKeys: true,
    // `!!binary`, `!!set`, `!!timestamp` would produce Buffers, Sets and Dates the schema cannot
    // describe well; unresolved, they become warnings, reported below.
    resolveKnownTags: false,
  });
  const problems = [
    ...[...document.errors, ...document.warnings].map((error) => ({
      offset: error.pos[0],
      issue: at(lineCounter, error.pos[0], error.message),
    })),
    ...unresolvedAliases(document, lineCounter),
  ];
  if (problems.length > 0) {
    return { ok: false, issues: problems.sort((a, b) => a.offset - b.offset).map(({ issue }) => issue) };
  }
  if (document.contents === null) {
    return {
      ok: false,
      issues: [
        { path: ROOT_PATH, message: `the file is empty${emptyHint === undefined ? '' : ` (${emptyHint})`}` },
      ],
    };
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // yaml throws a ReferenceError when aliases expand past maxAliasCount.
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      issues: [{ path: ROOT_PATH, message: `aliases expand too far (limit ${MAX_ALIAS_COUNT}): ${detail}` }],
    };
  }
  return { ok: true, source: { data, offsetOf: locator(document) } };
}
