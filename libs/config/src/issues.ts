/**
 * One problem found in a configuration file. `path` says where, in the
 * notation people use when they talk about YAML (`permissionSets[1].sessionDuration`),
 * `(root)` for the file as a whole, or `line L, column C` for a YAML syntax
 * error. `message` is plain English and never contains a secret value.
 */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** A position in the parsed document: map keys and list indexes, outermost first. */
export type ConfigPath = readonly (string | number)[];

/** An issue before its path is formatted; the loader sorts and filters these by path. */
export interface PathIssue {
  path: ConfigPath;
  message: string;
}

/** The path shown for issues that concern the whole file. */
export const ROOT_PATH = '(root)';

// Keys that read unambiguously after a dot; anything else is quoted in brackets.
const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/**
 * Formats a path as `server.port`, `permissionSets[1].sessionDuration` or
 * `attributes["cost center"]`; the empty path is `(root)`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) {
    return ROOT_PATH;
  }
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
    } else {
      const key = String(segment);
      if (PLAIN_KEY.test(key)) {
        text += text === '' ? key : `.${key}`;
      } else {
        text += `[${JSON.stringify(key)}]`;
      }
    }
  }
  return text;
}

/** Turns a path-addressed issue into the public form. */
export function toConfigIssue(issue: PathIssue): ConfigIssue {
  return { path: formatPath(issue.path), message: issue.message };
}

/** `path: message`, the one-line form used by the CLI and in ConfigError messages. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path}: ${issue.message}`;
}

/** Every issue on its own line as `  path: message` (indented, no trailing newline). */
export function formatIssues(issues: readonly ConfigIssue[], indent = '  '): string {
  return issues.map((issue) => `${indent}${formatIssue(issue)}`).join('\n');
}

/** Whether `prefix` is `path` itself or one of its ancestors. */
export function isPathWithin(path: ConfigPath, prefix: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => segment === path[index]);
}
