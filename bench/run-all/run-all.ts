/**
 * `npm run bench`: runs every bench in turn (each through its own
 * `npm run bench:<name>`), then rewrites the results table of
 * docs/benchmarks.md, between `<!-- bench-table:start -->` and
 * `<!-- bench-table:end -->`, from the bench/.results/<name>.json files the
 * benches wrote in this run (bench/README.md). A bench that fails or is not
 * there is named in the table, and the command exits non-zero.
 *
 * `npm run bench -- issuance mapping` runs only those; `--table-only`
 * rewrites the table from the results already there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchResultsFile } from '../shared/results';
import { describeCpus, resultsDirectory } from '../shared/results';

/** Every bench, in the order they run; one whose script is missing from package.json is skipped. */
const BENCHES = ['issuance', 'mapping', 'ldap', 'saml', 'oidc'] as const;
const START = '<!-- bench-table:start -->';
const END = '<!-- bench-table:end -->';

const root = resolve(__dirname, '..', '..', '..', '..');

interface Outcome {
  bench: string;
  status: 'ran' | 'failed' | 'absent' | 'not run';
  file?: BenchResultsFile;
}

function scripts(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  return manifest.scripts ?? {};
}

function readResults(bench: string): BenchResultsFile | undefined {
  const path = join(resultsDirectory(), `${bench}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as BenchResultsFile) : undefined;
}

function run(bench: string, startedAt: Date): Outcome {
  if (scripts()[`bench:${bench}`] === undefined) {
    return { bench, status: 'absent' };
  }
  console.log(`\n=== npm run bench:${bench}\n`);
  const child = spawnSync('npm', ['run', `bench:${bench}`], { cwd: root, stdio: 'inherit' });
  const file = readResults(bench);
  const fresh = file !== undefined && new Date(file.date) >= startedAt;
  if (child.status !== 0 || !fresh) {
    return { bench, status: 'failed' };
  }
  return { bench, status: 'ran', file };
}

function ratio(value: number): string {
  return value >= 10 ? value.toFixed(1) : value >= 0.1 ? value.toFixed(3) : value.toPrecision(2);
}

/** The days the results were measured, e.g. `2026-12-05`. */
function dates(files: readonly BenchResultsFile[]): string {
  return [...new Set(files.map((file) => file.date.slice(0, 10)))].sort().join(', ');
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** The markdown between the markers: where and when, then one row per result. */
export function resultsTable(outcomes: readonly Outcome[], now: Date): string {
  const files = outcomes.flatMap((outcome) => (outcome.file === undefined ? [] : [outcome.file]));
  const machines = [...new Set(files.map((file) => `${file.machine.cpus}, Node ${file.machine.node}`))];
  const lines = [
    `Results of ${dates(files) || now.toISOString().slice(0, 10)}, ${machines.join('; ') || `${describeCpus()}, Node ${process.version}`}. ` +
      'Each value is a ratio against its baseline in the same run (a median over the bench’s rounds); a target is met at or above it.',
    '',
    '| bench | result | measures | baseline (same run) | ratio | target | numbers |',
    '| --- | --- | --- | --- | ---: | ---: | --- |',
  ];
  for (const outcome of outcomes) {
    if (outcome.file === undefined) {
      if (outcome.status !== 'absent') {
        lines.push(
          `| ${outcome.bench} | — | ${outcome.status === 'failed' ? 'the bench failed in this run' : 'not run'} | | | | |`,
        );
      }
      continue;
    }
    for (const result of outcome.file.results) {
      const target = result.target === null ? '' : `≥ ${result.target}`;
      lines.push(
        `| ${outcome.bench} | ${cell(result.id)} | ${cell(result.measures)} | ${cell(result.baseline)} | **${ratio(result.value)}** | ${target} | ${cell(result.detail)} |`,
      );
    }
  }
  return lines.join('\n');
}

function rewriteTable(table: string): void {
  const path = join(root, 'docs', 'benchmarks.md');
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end < start) {
    throw new Error(`docs/benchmarks.md has no ${START} … ${END} markers`);
  }
  writeFileSync(path, `${text.slice(0, start + START.length)}\n\n${table}\n\n${text.slice(end)}`);
  // Keep the file as the formatter writes it, so the table diff is only the numbers.
  spawnSync('npx', ['prettier', '--write', path], { cwd: root, stdio: 'ignore' });
}

function main(): void {
  const args = process.argv.slice(2);
  const tableOnly = args.includes('--table-only');
  const chosen = args.filter((arg) => !arg.startsWith('--'));
  const startedAt = new Date();
  const outcomes: Outcome[] = BENCHES.map((bench) => {
    if (tableOnly || (chosen.length > 0 && !chosen.includes(bench))) {
      const file = readResults(bench);
      return file === undefined ? { bench, status: 'not run' } : { bench, status: 'ran', file };
    }
    return run(bench, startedAt);
  });
  rewriteTable(resultsTable(outcomes, new Date()));
  console.log('\n=== results (docs/benchmarks.md rewritten)\n');
  for (const outcome of outcomes) {
    const values = outcome.file?.results.map((result) => `${result.id} ${ratio(result.value)}`).join(', ');
    console.log(`${outcome.bench.padEnd(10)} ${outcome.status.padEnd(8)} ${values ?? ''}`);
  }
  if (outcomes.some((outcome) => outcome.status === 'failed')) {
    process.exitCode = 1;
  }
}

main();
