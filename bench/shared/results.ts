/**
 * The results file every bench writes when it finishes (bench/README.md):
 * `bench/.results/<name>.json`, which `npm run bench` gathers into the table
 * of docs/benchmarks.md. Each result is a ratio against a baseline measured
 * in the same run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';

export interface BenchResult {
  /** Short and stable, e.g. `cache-hit`. */
  id: string;
  /** What was measured, e.g. `POST /api/v1/credentials per second`. */
  measures: string;
  /** The same-run baseline, e.g. `bare node:http, same bytes`. */
  baseline: string;
  /** The ratio (measured against baseline). */
  value: number;
  /** The ratio the project aims for, or null. */
  target: number | null;
  /** The numbers behind the ratio, e.g. `2,361 against 20,247 /s`. */
  detail: string;
}

export interface BenchResultsFile {
  bench: string;
  date: string;
  machine: { cpus: string; node: string };
  results: BenchResult[];
}

/** The repository's bench/.results directory, wherever the compiled bench runs from. */
export function resultsDirectory(): string {
  return process.env.BENCH_RESULTS_DIR ?? resolve(process.cwd(), 'bench', '.results');
}

/** `2 × AMD EPYC 7B13`: how many cores of which model. */
export function describeCpus(): string {
  const all = cpus();
  return `${all.length} × ${all[0]?.model.trim() ?? 'unknown'}`;
}

/** Writes `bench/.results/<bench>.json` and answers its path. */
export function writeBenchResults(bench: string, results: readonly BenchResult[]): string {
  const file: BenchResultsFile = {
    bench,
    date: new Date().toISOString(),
    machine: { cpus: describeCpus(), node: process.version },
    results: [...results],
  };
  const directory = resultsDirectory();
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${bench}.json`);
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}

/** `20,247`: a rate or count as the docs print it. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
