import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from './config-error';
import {
  formatPath,
  isPathWithin,
  ROOT_PATH,
  type ConfigIssue,
  type ConfigPath,
  type PathIssue,
} from './issues';
import { MAX_FILE_BYTES, readTextFileSync } from './read-text-file';
import { resolveReferences } from './references';
import { englishErrorMap, fromZodIssues, UNKNOWN_KEY_MESSAGE } from './zod-issues';
import { parseYaml } from './yaml-document';

/** Where a configuration's references come from, and what to call it in messages. */
export interface ParseConfigOptions {
  /** Environment for `${env:NAME}`; process.env when absent. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory that relative `${file:PATH}` references start from (the config file's directory). */
  baseDir: string;
  /** The file's name in messages; `the file` when absent. */
  source?: string;
}

/** Options of loadConfig: the directory for references is the file's own. */
export type LoadConfigOptions = Omit<ParseConfigOptions, 'baseDir'>;

// Shorter values are not plausible secrets, and blanking them would garble unrelated words.
const MIN_REDACTED_LENGTH = 4;
const REDACTED = '<redacted>';

function redact(message: string, secrets: readonly string[]): string {
  return secrets
    .filter((secret) => secret.length >= MIN_REDACTED_LENGTH)
    .sort((a, b) => b.length - a.length)
    .reduce((text, secret) => text.replaceAll(secret, REDACTED), message);
}

/**
 * Issues sorted by where their path starts in the text (stable, so issues at
 * one place keep the order they were found in), each distinct issue once.
 */
function inDocumentOrder(issues: readonly PathIssue[], offsetOf: (path: ConfigPath) => number): PathIssue[] {
  const seen = new Set<string>();
  return issues
    .map((issue, order) => ({ issue, order, offset: offsetOf(issue.path) }))
    .sort((a, b) => a.offset - b.offset || a.order - b.order)
    .map(({ issue }) => issue)
    .filter((issue) => {
      const key = JSON.stringify([issue.path, issue.message]);
      const fresh = !seen.has(key);
      seen.add(key);
      return fresh;
    });
}

/** A schema-valid configuration of any schema, or every reason it is not. */
export type ParsedConfig<Config> = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

/** What a configuration format adds to the shared pipeline: its schema, and the checks zod cannot express. */
export interface ConfigFormat<Schema extends z.ZodType> {
  schema: Schema;
  /** Run on the raw (reference-resolved) data, so their issues come together with the schema's. */
  crossChecks?: (data: unknown) => PathIssue[];
  /** Said after `the file is empty`, such as `it must list at least connectors`. */
  emptyHint?: string;
}

/**
 * Validates configuration text of any fedgate format (the broker's,
 * sts-local's) and reports every problem at once: YAML syntax (with line
 * and column), then secret references, the schema and the format's
 * cross-checks together, sorted in document order. Defaults are applied to
 * the returned config. Messages never contain a value that a reference
 * produced (defence in depth: they are not meant to echo values at all).
 */
export function parseConfigText<Schema extends z.ZodType>(
  text: string,
  format: ConfigFormat<Schema>,
  options: ParseConfigOptions,
): ParsedConfig<z.output<Schema>> {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_FILE_BYTES) {
    const message = `${options.source ?? 'the file'} is larger than 1 MiB (${size} bytes)`;
    return { ok: false, issues: [{ path: ROOT_PATH, message }] };
  }
  const parsed = parseYaml(text, format.emptyHint);
  if (!parsed.ok) {
    return { ok: false, issues: parsed.issues };
  }
  const { data, offsetOf } = parsed.source;

  const references = resolveReferences(data, { env: options.env ?? process.env, baseDir: options.baseDir });
  const schema = format.schema.safeParse(references.value, { error: englishErrorMap });
  const later: PathIssue[] = [
    ...(schema.success ? [] : fromZodIssues(schema.error.issues, references.value)),
    ...(format.crossChecks?.(references.value) ?? []),
  ];
  // A value whose reference failed was checked as written (`${env:PORT}` is not a number);
  // the reference issue is the real one. Unknown keys are reported regardless.
  const failed = references.issues.map((issue) => issue.path);
  const relevant = later.filter(
    (issue) =>
      issue.message === UNKNOWN_KEY_MESSAGE || !failed.some((path) => isPathWithin(issue.path, path)),
  );

  const issues = inDocumentOrder([...references.issues, ...relevant], offsetOf).map((issue) => ({
    path: formatPath(issue.path),
    message: redact(issue.message, references.secrets),
  }));
  if (issues.length > 0) {
    return { ok: false, issues };
  }
  if (!schema.success) {
    // Unreachable: a failed parse always yields issues. Fail closed all the same.
    return { ok: false, issues: [{ path: ROOT_PATH, message: 'is not valid' }] };
  }
  return { ok: true, config: schema.data };
}

/**
 * Reads and validates a configuration file of any format (see
 * parseConfigText). Relative `${file:…}` references start from the file's
 * directory. Throws ConfigError, listing every issue, when the file is
 * unreadable or invalid.
 */
export function loadConfigFile<Schema extends z.ZodType>(
  path: string,
  format: ConfigFormat<Schema>,
  options: LoadConfigOptions = {},
): z.output<Schema> {
  const source = options.source ?? path;
  // Read once at start-up (or by the CLI): a synchronous, bounded read keeps one code path.
  const read = readTextFileSync(path);
  if (!read.ok) {
    throw ConfigError.unreadable(source, read.reason);
  }
  const result = parseConfigText(read.text, format, { ...options, source, baseDir: dirname(resolve(path)) });
  if (!result.ok) {
    throw ConfigError.invalid(source, result.issues);
  }
  return result.config;
}
