/**
 * No helm binary is reachable here, so the chart is checked without rendering it: its values
 * (defaults and examples) against values.schema.json, wrong values refused, every `.Values`
 * path a template reads known to the schema, every value documented, and the examples' broker
 * configuration valid by the broker's own validation.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse, stringify } from 'yaml';
import { parseConfig } from '@fedgate/broker-config';
import { makeTempDir } from '../harness/processes';

const CHART = resolve(__dirname, '..', '..', 'helm', 'fedgate');
const SECRETS_MOUNT = '/etc/fedgate/secrets/';

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
}

const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as SchemaNode;
const validate: ValidateFunction = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
  schema,
);

function yamlFile(path: string): Record<string, unknown> {
  return parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

const defaults = yamlFile(join(CHART, 'values.yaml'));
const examples = readdirSync(join(CHART, 'examples')).map((name) => ({
  name,
  values: yamlFile(join(CHART, 'examples', name)),
}));

function errorsOf(values: unknown): string[] {
  return validate(values)
    ? []
    : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
}

/** Whether a dotted path can be read from values the schema accepts; below a free-form object anything can. */
function schemaHasPath(path: readonly string[]): boolean {
  let node: SchemaNode | undefined = schema;
  for (const segment of path) {
    if (node.properties === undefined) {
      return node.type === 'object' && node.additionalProperties !== false;
    }
    node = node.properties[segment];
    if (node === undefined) {
      return false;
    }
  }
  return true;
}

/** Every `.Values.a.b` a template reads (`$.Values` too), as segments. */
function templateValuePaths(): { template: string; path: string[] }[] {
  const templates = join(CHART, 'templates');
  return readdirSync(templates).flatMap((template) =>
    [
      ...readFileSync(join(templates, template), 'utf8').matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g),
    ].map((match) => ({ template, path: (match[1] ?? '').slice(1).split('.') })),
  );
}

/** Dotted paths of every leaf of values.yaml, not descending into free-form maps such as `config`. */
function leafPaths(values: Record<string, unknown>, node: SchemaNode = schema, prefix = ''): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const child = node.properties?.[key];
    const path = `${prefix}${key}`;
    if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      child?.properties !== undefined
    ) {
      return leafPaths(value as Record<string, unknown>, child, `${path}.`);
    }
    return [path];
  });
}

describe('the Helm chart', () => {
  it('accepts its defaults and every example', () => {
    expect(errorsOf(defaults)).toEqual([]);
    expect(examples.length).toBeGreaterThan(0);
    for (const { name, values } of examples) {
      expect({ name, errors: errorsOf(values) }).toEqual({ name, errors: [] });
    }
  });

  it.each([
    ['a misspelt top-level key', { replicaCount: 2, replicas: 3 }],
    ['a negative replica count', { replicaCount: -1 }],
    ['a pull policy Kubernetes does not know', { image: { repository: 'x', pullPolicy: 'Sometimes' } }],
    ['a service port out of range', { service: { port: 70000 } }],
    ['a string where a switch goes', { ingress: { enabled: 'yes' } }],
    ['an ingress path that is not absolute', { ingress: { hosts: [{ host: 'a', paths: [{ path: 'x' }] }] } }],
    ['an unknown key in a section', { autoscaling: { enabled: true, minReplica: 2 } }],
    ['an environment variable without a name', { env: [{ value: 'x' }] }],
    ['a secret name Kubernetes refuses', { existingSecret: 'Not_Valid' }],
    ['a scrape interval without a unit', { serviceMonitor: { enabled: true, interval: '30' } }],
  ])('refuses %s', (_case, values) => {
    expect(errorsOf(values)).not.toEqual([]);
  });

  it('reads no value the schema does not define', () => {
    const paths = templateValuePaths();
    expect(paths.length).toBeGreaterThan(30);
    const unknown = paths
      .filter(({ path }) => !schemaHasPath(path))
      .map(({ template, path }) => `${template}: .Values.${path.join('.')}`);
    expect(unknown).toEqual([]);
    expect(schemaHasPath(['ingress', 'nosuch'])).toBe(false);
    expect(schemaHasPath(['config', 'store', 'type'])).toBe(true);
  });

  it('documents every value in its README', () => {
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    // A row names the value, or a whole Kubernetes object (`resources`) that holds it.
    const documented = (path: string): boolean => {
      const segments = path.split('.');
      const last = segments.at(-1) ?? path;
      const rows = segments.map((_segment, index) => `| \`${segments.slice(0, index + 1).join('.')}\``);
      return (
        readme.includes(`\`${path}\``) ||
        readme.includes(`\`${last}\``) ||
        rows.some((row) => readme.includes(row))
      );
    };
    const undocumented = leafPaths(defaults).filter((path) => !documented(path));
    expect(undocumented).toEqual([]);
  });

  describe("the examples' broker configuration", () => {
    let secrets: string;
    beforeAll(async () => {
      secrets = await makeTempDir('fedgate-chart-secrets-');
    });
    afterAll(() => {
      rmSync(secrets, { recursive: true, force: true });
    });

    it.each(examples.map(({ name, values }) => [name, values] as const))(
      '%s is valid for the broker',
      (_name, values) => {
        // The Secret's files, as the pod would see them under the mount.
        mkdirSync(secrets, { recursive: true });
        const text = stringify(values.config).replaceAll(SECRETS_MOUNT, `${secrets}/`);
        for (const match of text.matchAll(/\$\{file:([^}]+)\}/g)) {
          const file = match[1] ?? '';
          // What each secret would hold: a cache key is 32 random bytes in base64.
          writeFileSync(
            file,
            file.endsWith('cache-key') ? `${randomBytes(32).toString('base64')}\n` : 'chart-example-secret\n',
          );
        }
        const result = parseConfig(text, { env: {}, baseDir: secrets });
        expect(result.ok ? [] : result.issues).toEqual([]);
      },
    );
  });
});
