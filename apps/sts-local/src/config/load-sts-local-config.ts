import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, formatPath, parseConfigText, type ConfigIssue, type PathIssue } from '@fedgate/config';
import { readSamlMetadata } from '../saml/saml-providers';
import { stsLocalConfigSchema, type StsLocalConfig } from './sts-local-config';

/** Makes each SAML provider's metadataFile absolute and checks that it holds usable IdP metadata. */
function metadataFileIssues(config: StsLocalConfig, baseDir: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  config.accounts.forEach((account, a) => {
    account.samlProviders.forEach((provider, p) => {
      provider.metadataFile = resolve(baseDir, provider.metadataFile);
      const path = formatPath(['accounts', a, 'samlProviders', p, 'metadataFile']);
      try {
        readSamlMetadata(readFileSync(provider.metadataFile, 'utf8'));
      } catch (error) {
        issues.push({ path, message: error instanceof Error ? error.message : 'cannot read the metadata' });
      }
    });
  });
  return issues;
}

/** Makes each provider's jwksFile absolute and checks that it holds a JSON Web Key Set. */
function jwksFileIssues(config: StsLocalConfig, baseDir: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  config.accounts.forEach((account, a) => {
    account.oidcProviders.forEach((provider, p) => {
      if (provider.jwksFile === undefined) {
        return;
      }
      provider.jwksFile = resolve(baseDir, provider.jwksFile);
      const path = formatPath(['accounts', a, 'oidcProviders', p, 'jwksFile']);
      try {
        const keys = (JSON.parse(readFileSync(provider.jwksFile, 'utf8')) as { keys?: unknown }).keys;
        if (!Array.isArray(keys)) {
          issues.push({ path, message: 'must be a JSON Web Key Set ({"keys": [...]})' });
        }
      } catch {
        issues.push({ path, message: 'cannot read a JSON Web Key Set from this file' });
      }
    });
  });
  return issues;
}

/** The list at `key` of a parsed YAML mapping, or [] when it is not a list (the schema reports that). */
function listAt(value: unknown, key: string): unknown[] {
  const item =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return Array.isArray(item) ? item : [];
}

function textAt(value: unknown, key: string): string | undefined {
  const item =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof item === 'string' ? item : undefined;
}

/**
 * What zod cannot express: account ids, access key ids, and user and role
 * names (per account, case-insensitively, as IAM) used twice. Works on the
 * raw data, so these are reported together with the schema's issues.
 */
function duplicateIssues(data: unknown): PathIssue[] {
  const issues: PathIssue[] = [];
  const seen = (set: Set<string>, value: string | undefined, path: (string | number)[], message: string) => {
    if (value === undefined) {
      return;
    }
    if (set.has(value)) {
      issues.push({ path, message });
    }
    set.add(value);
  };
  const accountIds = new Set<string>();
  const keyIds = new Set<string>();
  listAt(data, 'accounts').forEach((account, a) => {
    seen(accountIds, textAt(account, 'id'), ['accounts', a, 'id'], 'is listed twice');
    const userNames = new Set<string>();
    listAt(account, 'users').forEach((user, u) => {
      seen(
        keyIds,
        textAt(user, 'accessKeyId'),
        ['accounts', a, 'users', u, 'accessKeyId'],
        'is used by another user',
      );
      seen(
        userNames,
        textAt(user, 'name')?.toLowerCase(),
        ['accounts', a, 'users', u, 'name'],
        'is used twice',
      );
    });
    const roleNames = new Set<string>();
    listAt(account, 'roles').forEach((role, r) => {
      seen(
        roleNames,
        textAt(role, 'name')?.toLowerCase(),
        ['accounts', a, 'roles', r, 'name'],
        'is used twice',
      );
    });
  });
  return issues;
}

/**
 * Validates sts-local configuration text with the broker config's pipeline
 * (YAML limits, `${env:}`/`${file:}` references, every problem with its
 * path in document order, no secret in any message), then checks the files
 * the config names.
 */
export function parseStsLocalConfig(
  text: string,
  options: { env?: Readonly<Record<string, string | undefined>>; baseDir: string; source?: string },
): StsLocalConfig {
  const source = options.source ?? 'the sts-local config';
  const parsed = parseConfigText(
    text,
    { schema: stsLocalConfigSchema, crossChecks: duplicateIssues },
    { ...options, source },
  );
  if (!parsed.ok) {
    throw ConfigError.invalid(source, parsed.issues);
  }
  const issues = [
    ...jwksFileIssues(parsed.config, options.baseDir),
    ...metadataFileIssues(parsed.config, options.baseDir),
  ];
  if (issues.length > 0) {
    throw ConfigError.invalid(source, issues);
  }
  return parsed.config;
}

/** Reads and validates an sts-local config file; relative `${file:}` paths start from its directory. */
export function loadStsLocalConfig(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): StsLocalConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    throw ConfigError.unreadable(path, code === 'ENOENT' ? 'no such file' : code, error);
  }
  return parseStsLocalConfig(text, { env, baseDir: dirname(resolve(path)), source: path });
}
