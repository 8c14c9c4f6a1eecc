import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config-error';
import { entriesOf, failedChecks, textAt } from './cross-checks';
import { loadConfigFile, parseConfigText, type ConfigFormat } from './load-config';
import { bareHttpUrl } from './url.schema';

// A format of no fedgate app: the kit works for any schema and its own checks.
const schema = z.strictObject({
  url: bareHttpUrl('where things are appended'),
  items: z.array(z.strictObject({ id: z.string() })).default([]),
});
const format: ConfigFormat<typeof schema> = {
  schema,
  crossChecks: (data) => {
    const items = entriesOf(
      typeof data === 'object' && data !== null ? (data as { items?: unknown }).items : [],
    );
    return failedChecks(
      items.map(({ index, entry }) => ({
        failed: textAt(entry, 'id') === 'bad',
        path: ['items', index, 'id'],
        message: 'is bad',
      })),
    );
  },
};

function issuesOf(text: string, options: { env?: Record<string, string> } = {}): string[] {
  const result = parseConfigText(text, format, { baseDir: '/nonexistent', ...options });
  return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('parseConfigText', () => {
  it('applies the schema and the format own checks together, in document order', () => {
    expect(
      issuesOf('items: [{ id: bad }, { id: 3 }]\nurl: "https://user:pw@example.com/x?y#z"\nextra: 1\n'),
    ).toEqual([
      'items[0].id: is bad',
      'items[1].id: must be a string (YAML read a number here: put the value in quotes)',
      'url: must have no user info, query or fragment: it is where things are appended',
      'extra: unknown key',
    ]);
  });

  it('returns the config with defaults, and resolved references', () => {
    const result = parseConfigText('url: "${env:URL}"\n', format, {
      baseDir: '/',
      env: { URL: 'https://example.com/base' },
    });
    expect(result).toEqual({ ok: true, config: { url: 'https://example.com/base', items: [] } });
  });

  it('says a file is empty, with the format hint when it has one', () => {
    expect(issuesOf('')).toEqual(['(root): the file is empty']);
    const hinted = parseConfigText('', { ...format, emptyHint: 'it needs a url' }, { baseDir: '/' });
    expect(hinted.ok ? [] : hinted.issues).toEqual([
      { path: '(root)', message: 'the file is empty (it needs a url)' },
    ]);
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fedgate-config-kit-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a file, resolving file references from its directory', () => {
    writeFileSync(join(dir, 'url.txt'), 'https://example.com\n');
    writeFileSync(join(dir, 'app.yaml'), 'url: "${file:url.txt}"\n');
    expect(loadConfigFile(join(dir, 'app.yaml'), format).url).toBe('https://example.com');
  });

  it('throws a ConfigError naming the file, for an invalid or unreadable one', () => {
    writeFileSync(join(dir, 'app.yaml'), 'url: ftp://example.com\n');
    expect(() => loadConfigFile(join(dir, 'app.yaml'), format, { source: 'app.yaml' })).toThrow(
      new ConfigError('app.yaml is invalid:\n  url: must be an absolute http(s) URL', []),
    );
    expect(() => loadConfigFile(join(dir, 'missing.yaml'), format)).toThrow(
      `cannot read ${join(dir, 'missing.yaml')}: no such file`,
    );
  });
});
