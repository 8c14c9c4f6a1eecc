import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { PUBLISHED_SCHEMA_PATH } from '@fedgate/broker-config';
import { STS_LOCAL_SCHEMA_PATH, stsLocalSchemaText } from '../../scripts/generate-sts-local-schema';
import { codeBlocks, REPO_ROOT, userDocuments } from './markdown-blocks';

// Every example a user may copy as a whole file names the schema its editor should check it
// against, on its first line (docs/configuration.md, "In your editor").
const MODELINE = /^# yaml-language-server: \$schema=(\S+)$/;

interface Example {
  where: string;
  /** The folder the schema path is relative to. */
  dir: string;
  firstLine: string;
  /** The schema the example must name. */
  schema: string;
}

const brokerSchema = join(REPO_ROOT, PUBLISHED_SCHEMA_PATH);
const helmExamples = join(REPO_ROOT, 'helm', 'fedgate', 'examples');

const stsLocalSchema = join(REPO_ROOT, STS_LOCAL_SCHEMA_PATH);
const stsLocalDemo = join(REPO_ROOT, 'config', 'sts-local.demo.yaml');

/** The example files: the demo configs, and the chart's example values. */
function exampleFiles(): Example[] {
  const demo = join(REPO_ROOT, 'config', 'demo.yaml');
  const values = readdirSync(helmExamples)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => join(helmExamples, name));
  return [
    { path: demo, schema: brokerSchema },
    { path: stsLocalDemo, schema: stsLocalSchema },
    ...values.map((path) => ({ path, schema: join(REPO_ROOT, 'helm', 'fedgate', 'values.schema.json') })),
  ].map(({ path, schema }) => ({
    where: relative(REPO_ROOT, path),
    dir: dirname(path),
    firstLine: readFileSync(path, 'utf8').split('\n')[0] ?? '',
    schema,
  }));
}

/** YAML blocks of the documents that are whole broker config files: with `server` and `connectors`. */
function wholeConfigBlocks(): Example[] {
  return userDocuments()
    .flatMap(codeBlocks)
    .filter((block) => block.language === 'yaml' || block.language === 'yml')
    .filter((block) => {
      const data = parse(block.text) as unknown;
      return typeof data === 'object' && data !== null && 'server' in data && 'connectors' in data;
    })
    .map((block) => ({
      where: block.where,
      // A block is copied into a file beside the docs' copy of the schema, as the page says.
      dir: dirname(join(REPO_ROOT, block.file)),
      firstLine: block.text.split('\n')[0] ?? '',
      schema: brokerSchema,
    }));
}

/** Why the example's first line does not point its editor at its schema, or nothing. */
function modelineProblem(example: Example): string | undefined {
  const path = MODELINE.exec(example.firstLine)?.[1];
  if (path === undefined) {
    return `${example.where}: the first line is not "# yaml-language-server: $schema=…"`;
  }
  const target = resolve(example.dir, path);
  if (target !== example.schema || !existsSync(target)) {
    return `${example.where}: $schema=${path} is not ${relative(example.dir, example.schema)}`;
  }
  return undefined;
}

describe('the examples name their JSON Schema for editors', () => {
  const examples = [...exampleFiles(), ...wholeConfigBlocks()];

  it('finds the demo config, the chart examples and the full example of docs/configuration.md', () => {
    const places = examples.map((example) => example.where);
    expect(places).toEqual(
      expect.arrayContaining([
        'config/demo.yaml',
        'config/sts-local.demo.yaml',
        'helm/fedgate/examples/production.yaml',
        expect.stringMatching(/^docs\/configuration\.md:\d+$/) as unknown as string,
      ]),
    );
  });

  it.each(examples.map((example) => [example.where, example] as const))(
    '%s starts with the yaml-language-server comment naming its schema',
    (_where, example) => {
      expect(modelineProblem(example)).toBeUndefined();
    },
  );

  it('refuses a missing comment and a path to another file', () => {
    const example = { where: 'x.yaml', dir: REPO_ROOT, schema: brokerSchema };
    expect(modelineProblem({ ...example, firstLine: 'server:' })).toContain('first line');
    expect(
      modelineProblem({ ...example, firstLine: '# yaml-language-server: $schema=docs/other.json' }),
    ).toContain('is not docs/fedgate.schema.json');
    expect(
      modelineProblem({ ...example, firstLine: `# yaml-language-server: $schema=${PUBLISHED_SCHEMA_PATH}` }),
    ).toBeUndefined();
  });
});

describe("the published JSON Schema of sts-local's configuration file", () => {
  const published = readFileSync(stsLocalSchema, 'utf8');

  it('is what the zod schema generates today (npm run docs:sts-local-schema rewrites it)', async () => {
    if (published !== (await stsLocalSchemaText(REPO_ROOT))) {
      throw new Error(
        `${STS_LOCAL_SCHEMA_PATH} is stale: run \`npm run docs:sts-local-schema\` and commit it`,
      );
    }
  });

  it('accepts the sts-local demo configuration and refuses a misspelt key', () => {
    const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(
      JSON.parse(published) as object,
    );
    const demo = parse(readFileSync(stsLocalDemo, 'utf8')) as Record<string, unknown>;
    expect(validate(demo)).toBe(true);
    expect(validate({ ...demo, acounts: [] })).toBe(false);
  });
});
