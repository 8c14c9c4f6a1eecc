import { isDeepStrictEqual } from 'node:util';
import { formatPath, ROOT_PATH, type ConfigIssue } from '@fedgate/config';
import { compileMapping } from '@fedgate/mapping';
import type { FedgateConfig } from './broker-config.schema';

/** A top-level section of the broker's configuration file. */
export type ConfigSection = keyof FedgateConfig;

/**
 * The sections a reload applies to new requests: everything the mapping
 * reads per request besides the backends (accounts, permission sets,
 * assignments, session names and tags), who the admins are, the issuance
 * rate limits, the log level and the token-exchange callers. Every other section is built into
 * long-lived objects at start (listeners, store and STS clients,
 * connectors with their pools and metadata, cookies, keys, the audit
 * stream) and needs a restart (docs/operations/config-reload.md).
 */
export const LIVE_SECTIONS: readonly ConfigSection[] = [
  'accounts',
  'permissionSets',
  'assignments',
  'mapping',
  'admins',
  'issuanceRateLimit',
  'logging',
  'tokenExchange',
];

const LIVE = new Set<ConfigSection>(LIVE_SECTIONS);

/** Whether a reload may change this section while the broker runs. */
export function isLiveSection(section: ConfigSection): boolean {
  return LIVE.has(section);
}

/** The top-level sections whose content differs, in the order of `after`'s keys. */
export function changedSections(before: FedgateConfig, after: FedgateConfig): ConfigSection[] {
  const sections = new Set([...Object.keys(after), ...Object.keys(before)] as ConfigSection[]);
  return [...sections].filter((section) => !isDeepStrictEqual(before[section], after[section]));
}

/**
 * Where two values differ, as config paths: the deepest key of nested maps,
 * the index of a list of the same length, the whole list otherwise. Paths
 * only: values may be secrets.
 */
export function changedPaths(
  before: unknown,
  after: unknown,
  path: readonly (string | number)[] = [],
): string[] {
  if (isDeepStrictEqual(before, after)) {
    return [];
  }
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) => changedPaths(before[key], after[key], [...path, key]));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item: unknown, index) => changedPaths(item, after[index], [...path, index]));
  }
  return [formatPath(path)];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The message of a change a reload refuses because only a restart applies it. */
export const RESTART_REQUIRED = 'changes need a restart';

/** One issue per changed path of a section a reload cannot apply. */
export function restartOnlyIssues(before: FedgateConfig, after: FedgateConfig): ConfigIssue[] {
  return changedSections(before, after)
    .filter((section) => !isLiveSection(section))
    .flatMap((section) => changedPaths(before[section], after[section], [section]))
    .map((path) => ({ path, message: RESTART_REQUIRED }));
}

/** What a reload did: the new version and the sections it changed, or why it changed nothing. */
export type ReloadOutcome =
  | { ok: true; version: number; changedSections: ConfigSection[] }
  | {
      ok: false;
      version: number;
      changedSections: ConfigSection[];
      /** Every reason, with its path. */
      issues: ConfigIssue[];
      /** The paths among them that a restart would apply. */
      restartRequired: string[];
    };

/**
 * The configuration in force, for the readers of the live sections: they
 * read `current` once per request. A reload replaces the whole object,
 * never mutating the one in force, so what is memoized per config object
 * (the compiled mapping) is rebuilt for the new one and a request that
 * started on the old one finishes on it. Sections the reload did not
 * change keep their objects.
 */
export class LiveConfig {
  private config: FedgateConfig;
  /**
   * A copy of each section as it was loaded, which reloads compare against:
   * the objects in force are handed to libraries, and some add keys to what
   * they are given (the AWS SDK marks a backend's `credentials` with
   * `$source`), which would otherwise read as a change.
   */
  private loaded: FedgateConfig;
  private versionNumber = 1;

  /** Build it before the config is handed to anything else, so `loaded` is as the file said. */
  constructor(initial: FedgateConfig) {
    this.loaded = structuredClone(initial);
    // Compiled here so the first request does not pay for it.
    compileMapping(initial);
    this.config = initial;
  }

  /** The configuration in force. */
  get current(): FedgateConfig {
    return this.config;
  }

  /** 1 at start, one more each time a reload changed the configuration in force. */
  get version(): number {
    return this.versionNumber;
  }

  /**
   * Puts a validated configuration in force, or refuses it changing
   * nothing: when it changes a restart-only section (one issue per changed
   * path) or its mapping does not compile. A file with no change is
   * accepted and keeps the version.
   */
  reload(next: FedgateConfig): ReloadOutcome {
    // Compared copy to copy: a copy has plain prototypes, whatever the parser built.
    const incoming = structuredClone(next);
    const changed = changedSections(this.loaded, incoming);
    const refused = (issues: ConfigIssue[]): ReloadOutcome => ({
      ok: false,
      version: this.versionNumber,
      changedSections: changed,
      issues,
      restartRequired: issues
        .filter((issue) => issue.message === RESTART_REQUIRED)
        .map((issue) => issue.path),
    });
    const restart = restartOnlyIssues(this.loaded, incoming);
    if (restart.length > 0) {
      return refused(restart);
    }
    if (changed.length === 0) {
      return { ok: true, version: this.versionNumber, changedSections: [] };
    }
    // A new object, but unchanged sections keep the objects in force: what is memoized per section
    // (the issuance rate limit) is rebuilt only when its section changed.
    const keep = (inForce: FedgateConfig, source: FedgateConfig): FedgateConfig =>
      Object.fromEntries(
        Object.entries(source).map(([section, value]) => [
          section,
          changed.includes(section as ConfigSection) ? value : inForce[section as ConfigSection],
        ]),
      ) as FedgateConfig;
    const merged = keep(this.config, next);
    const loaded = keep(this.loaded, incoming);
    try {
      compileMapping(merged);
    } catch (error) {
      return refused([
        {
          path: ROOT_PATH,
          message: `the mapping does not compile: ${error instanceof Error ? error.message : String(error)}`,
        },
      ]);
    }
    this.config = merged;
    this.loaded = loaded;
    this.versionNumber += 1;
    return { ok: true, version: this.versionNumber, changedSections: changed };
  }
}
