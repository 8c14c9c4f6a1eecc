import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The dependency rules of `npm run deps:check` (docs/development.md, "Dependency rules"), with
 * the repository's two configuration files, on the small trees under fixtures/, each cruised
 * from its own directory as the script cruises the repository: each tree breaks one rule and
 * must be reported under that rule's name and nothing else, a tree that keeps every rule
 * passes, and the depcruise CLI exits non-zero on a violation. fixtures/README.md says how to
 * add a case.
 */
const REPO = resolve(__dirname, '..', '..');
const FIXTURES = join(__dirname, 'fixtures');
const DEPCRUISE = join(REPO, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
/** Cycles and layering of files; cycles of libraries. */
const FILES_CONFIG = join(REPO, '.dependency-cruiser.cjs');
const LIBRARIES_CONFIG = join(REPO, '.dependency-cruiser-libraries.cjs');

interface CruiseViolation {
  type: string;
  from: string;
  to: string;
  rule: { name: string; severity: string };
  cycle?: { name: string }[];
}

interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs node with the given arguments from `cwd`, and collects what it printed. */
function node(args: string[], cwd: string): Promise<Output> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** The roots `npm run deps:check` cruises, as far as a tree has them. */
function rootsOf(tree: string): string[] {
  return ['apps', 'libs'].filter((root) => existsSync(join(FIXTURES, tree, root)));
}

/**
 * dependency-cruiser is ESM only and jest loads CommonJS, so its API (the one the CLI calls,
 * with the same configuration and tsconfig loading) runs in one child process for every tree
 * and both configurations: 26 CLI start-ups would cost most of a minute. Arguments are JSON:
 * the jobs as [directory, roots, configuration]. Prints one violation list per job.
 */
const CRUISE_JOBS = `
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const results = [];
for (const [directory, roots, config] of JSON.parse(process.argv[1])) {
  process.chdir(directory);
  const options = await extractDepcruiseOptions(config);
  const tsConfig = extractTSConfig(options.tsConfig.fileName);
  const { output } = await cruise(roots, options, {}, { tsConfig });
  results.push(output.summary.violations);
}
process.stdout.write(JSON.stringify(results));
`;

/** The violations of each configuration on each tree, cruised from the tree's directory. */
async function cruiseTrees(trees: string[]): Promise<Map<string, CruiseViolation[]>> {
  const jobs = trees.flatMap((tree) =>
    [FILES_CONFIG, LIBRARIES_CONFIG].map((config) => [join(FIXTURES, tree), rootsOf(tree), config]),
  );
  const output = await node(['--input-type=module', '-e', CRUISE_JOBS, JSON.stringify(jobs)], REPO);
  if (output.code !== 0) {
    throw new Error(`cruising the fixture trees failed (exit ${output.code}): ${output.stderr}`);
  }
  const results = JSON.parse(output.stdout) as CruiseViolation[][];
  return new Map(trees.map((tree, index) => [tree, [...results[2 * index]!, ...results[2 * index + 1]!]]));
}

/**
 * A violation as one readable line: the rule, then `from → to`, or for a cycle its members in
 * order of name (one finding whichever member the report starts from). Resolved packages lose
 * the `../` that leads from the tree to the repository's node_modules.
 */
function findingOf(violation: CruiseViolation): string {
  const strip = (path: string): string => path.replace(/^(\.\.\/)+/, '');
  if (violation.type === 'cycle' && violation.cycle !== undefined) {
    const members = violation.cycle.map(({ name }) => strip(name)).sort();
    return `${violation.rule.name}: ${members.join(' ↔ ')}`;
  }
  if (violation.from === violation.to) {
    return `${violation.rule.name}: ${strip(violation.from)}`;
  }
  return `${violation.rule.name}: ${strip(violation.from)} → ${strip(violation.to)}`;
}

const VIOLATIONS: [tree: string, findings: string[]][] = [
  ['lib-imports-app', ['no-lib-to-app: libs/flows/src/index.ts → apps/broker/src/error-response.ts']],
  ['file-cycle', ['no-circular: libs/mapping/src/evaluate.ts ↔ libs/mapping/src/rules.ts']],
  ['type-only-cycle', ['no-circular: libs/mapping/src/evaluate.ts ↔ libs/mapping/src/rules.ts']],
  [
    'lib-file-cycle',
    [
      'no-circular-between-libs: libs/config/src ↔ libs/mapping/src',
      'no-circular: libs/config/src/index.ts ↔ libs/mapping/src/index.ts',
    ],
  ],
  ['lib-cycle', ['no-circular-between-libs: libs/config/src ↔ libs/mapping/src']],
  [
    'lib-imports-nest',
    ['nest-only-in-apps-and-modules: libs/store/src/store.ts → node_modules/@nestjs/common/index.js'],
  ],
  [
    'connectors-import-issuance',
    [
      'connectors-not-to-issuance: libs/connectors/src/static/static-connector.ts → libs/issuance/src/index.ts',
    ],
  ],
  [
    'sts-local-imports-mapping',
    ['sts-local-only-generic-libs: apps/sts-local/src/console-destination.ts → libs/mapping/src/index.ts'],
  ],
  ['lib-imports-flows', ['no-lib-to-flows: libs/sessions/src/session.ts → libs/flows/src/index.ts']],
  [
    'lib-imports-broker-config',
    ['no-lib-to-broker-config: libs/issuance/src/backends.ts → libs/broker-config/src/index.ts'],
  ],
  ['orphan', ['no-orphans: libs/core/src/forgotten.ts']],
  ['unresolvable', ['not-to-unresolvable: libs/core/src/index.ts → ./durations']],
];

describe('dependency rules on fixture trees', () => {
  let violations: Map<string, CruiseViolation[]>;

  beforeAll(async () => {
    violations = await cruiseTrees(['clean', ...VIOLATIONS.map(([tree]) => tree)]);
  });

  it('has a case for every fixture tree', () => {
    const trees = readdirSync(FIXTURES, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    expect(trees.map(({ name }) => name).sort()).toEqual([...violations.keys()].sort());
  });

  it.each(VIOLATIONS)('%s is reported under its rule, as an error, and nothing else', (tree, expected) => {
    const found = violations.get(tree)!;

    expect([...new Set(found.map(findingOf))].sort()).toEqual(expected);
    expect(found.map(({ rule }) => rule.severity)).toEqual(found.map(() => 'error'));
  });

  it('passes a tree with every allowed import, Nest in a *.module.ts and a spec that imports an app', () => {
    expect(violations.get('clean')!.map(findingOf)).toEqual([]);
  });

  it('fails the depcruise CLI, as npm run deps:check runs it, with the number of errors; a clean tree exits 0', async () => {
    const exitCode = async (tree: string, config: string): Promise<number | null> =>
      (await node([DEPCRUISE, ...rootsOf(tree), '--config', config], join(FIXTURES, tree))).code;

    await expect(
      Promise.all([exitCode('lib-imports-app', FILES_CONFIG), exitCode('lib-cycle', LIBRARIES_CONFIG)]),
    ).resolves.toEqual([1, 2]);
    await expect(
      Promise.all([exitCode('clean', FILES_CONFIG), exitCode('clean', LIBRARIES_CONFIG)]),
    ).resolves.toEqual([0, 0]);
  });
});
