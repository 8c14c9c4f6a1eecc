import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { requireBinary } from '../harness/processes';
import type { TestCredentials } from './raw-sts-request';

/** One botocore call: which client method, with what parameters and credentials. */
export interface BotocoreCase {
  name: string;
  op: string;
  params?: Record<string, unknown>;
  credentials?: TestCredentials;
  region?: string;
  unsigned?: boolean;
  breakSignature?: boolean;
}

/** What botocore made of one call: the parsed response, or the error it raised. */
export interface BotocoreResult {
  name: string;
  ok: boolean;
  response?: Record<string, unknown>;
  code?: string;
  status?: number;
  message?: string;
  exception?: string;
}

const SCRIPT = join(__dirname, 'botocore_client.py');

/**
 * Runs the cases through botocore; fails with an install hint when python3
 * or boto3 is missing. Asynchronous on purpose: sts-local runs in this
 * process and must keep answering while Python calls it.
 */
export async function botocore(
  endpoint: string,
  cases: BotocoreCase[],
): Promise<Map<string, BotocoreResult>> {
  const python = requireBinary('python3', 'apt-get install python3 (then: pip install boto3)');
  const child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(JSON.stringify({ endpoint, cases }));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    throw new Error(`botocore_client.py failed (exit ${String(code)}): ${stderr}`);
  }
  const output = JSON.parse(stdout) as { botocore: string; results: BotocoreResult[] };
  return new Map(output.results.map((result) => [result.name, result]));
}

export function result(results: Map<string, BotocoreResult>, name: string): BotocoreResult {
  const found = results.get(name);
  if (found === undefined) {
    throw new Error(`no botocore result for ${name}`);
  }
  return found;
}
