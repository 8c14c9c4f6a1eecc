import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  brokerConfigJsonSchema,
  currentConfigReference,
  REFERENCE_END,
  REFERENCE_START,
  withConfigReference,
} from '@fedgate/broker-config';
import { generatedConfigurationPage } from '../../scripts/generate-config-reference';
import { REPO_ROOT } from './markdown-blocks';

const PAGE = join(REPO_ROOT, 'docs', 'configuration.md');

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
}

/** Every key path of the JSON Schema, as the reference writes it (`a.b`, `a[].b`), variants merged. */
function keyPaths(node: SchemaNode, prefix = ''): string[] {
  const own = Object.entries(node.properties ?? {}).flatMap(([key, child]) => [
    `${prefix}${key}`,
    ...keyPaths(child, `${prefix}${key}.`),
    ...(child.items ? keyPaths(child.items, `${prefix}${key}[].`) : []),
  ]);
  const variants = [...(node.oneOf ?? []), ...(node.anyOf ?? [])].flatMap((variant) =>
    keyPaths(variant, prefix),
  );
  return [...own, ...variants];
}

describe('the generated reference of docs/configuration.md', () => {
  const committed = readFileSync(PAGE, 'utf8');

  it('is what the zod schemas generate today (npm run docs:config rewrites it)', async () => {
    const generated = currentConfigReference(await generatedConfigurationPage(committed, PAGE));
    const current = currentConfigReference(committed);
    expect(current).toBeDefined();
    if (current !== generated) {
      throw new Error(
        'the reference in docs/configuration.md is stale: run `npm run docs:config` and commit the page',
      );
    }
  });

  it('has a row for every key of every section', () => {
    const reference = currentConfigReference(committed)!;
    const schema = brokerConfigJsonSchema() as SchemaNode;
    const sections = Object.entries(schema.properties!);
    const missing = sections.flatMap(([name, section]) => {
      const body = section.items ?? section;
      const heading = reference.indexOf(`### \`${name}\` reference`);
      const next = reference.indexOf('\n### ', heading + 1);
      const part = reference.slice(heading, next < 0 ? undefined : next);
      return heading < 0
        ? [name]
        : [...new Set(keyPaths(body))]
            .filter((path) => !part.includes(`| \`${path}\``))
            .map((path) => `${name}: ${path}`);
    });
    expect(missing).toEqual([]);
  });

  it('shows what the schemas say: a default, a range, a duration and a description', () => {
    const reference = currentConfigReference(committed)!;
    expect(reference).toMatch(/\| `port` +\| integer +\| `8080` +\| 1 – 65535 +\|/);
    expect(reference).toMatch(/\| `idleTimeout` +\| duration +\| `1h` +\| 5m – 1d +\|/);
    expect(reference).toMatch(/\| `port` +\|.*\| The port to listen on, 1–65535\./);
    expect(reference).toMatch(
      /\| `groups\.mode` +\| enum +\| required +\| `memberOf`, `search`, `ad-nested`, `recursive`/,
    );
  });

  it('keeps the hand-written text around the markers and replaces only what is between them', async () => {
    const page = `# Title\n\nProse stays.\n\n${REFERENCE_START}\nstale table\n${REFERENCE_END}\n\nMore prose.\n`;
    const regenerated = await generatedConfigurationPage(page, PAGE);
    expect(regenerated).toContain('Prose stays.');
    expect(regenerated).toContain('More prose.');
    expect(regenerated).not.toContain('stale table');
    expect(currentConfigReference(regenerated)).toBe(currentConfigReference(committed));
  });

  it('refuses a page without its markers, naming them', () => {
    expect(() => withConfigReference('# Title\n', 'x')).toThrow(REFERENCE_START);
    expect(() => withConfigReference(`${REFERENCE_END}\n${REFERENCE_START}\n`, 'x')).toThrow('in that order');
  });
});
