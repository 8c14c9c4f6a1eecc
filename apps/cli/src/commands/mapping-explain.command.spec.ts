/**
 * Golden tests for `fedgate mapping explain`: the text report for each
 * identity under test/mapping/explain/ is compared with the committed
 * `<identity>.golden.txt`. After an intended change to the report, run
 * `UPDATE_GOLDEN=1 npx jest mapping-explain` and review the diff.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../program';

const REPO = resolve(__dirname, '..', '..', '..', '..');
const DIR = join('test', 'mapping', 'explain');
const AT = '2026-01-01T10:00:00Z';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end();
  const code = await runCli(argv, {
    stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: REPO,
  });
  return { code, stdout, stderr };
}

function explainArgs(identity: string, ...more: string[]): string[] {
  return [
    'mapping',
    'explain',
    '--config',
    join(DIR, 'fedgate.yaml'),
    '--identity',
    join(DIR, `${identity}.json`),
    '--at',
    AT,
    ...more,
  ];
}

describe('fedgate mapping explain', () => {
  it.each(['alice', 'contractor', 'nobody'])('prints the golden report for %s', async (name) => {
    const result = await run(explainArgs(name));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const golden = join(REPO, DIR, `${name}.golden.txt`);
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(golden, result.stdout);
    }
    expect(result.stdout).toBe(readFileSync(golden, 'utf8'));
  });

  it('prints {entitlements, trace, decisions} with --json', async () => {
    const result = await run(explainArgs('alice', '--json'));
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as Record<string, unknown[]>;
    expect(Object.keys(parsed)).toEqual(['entitlements', 'trace', 'decisions']);
    expect(parsed.trace).toHaveLength(4);
    expect(parsed.entitlements?.map((e) => (e as { permissionSet: string }).permissionSet)).toContain(
      'DataAnalyst',
    );
  });

  it('lists what is wrong with an invalid identity file, and exits 1', async () => {
    const result = await run([
      'mapping',
      'explain',
      '--config',
      join(DIR, 'fedgate.yaml'),
      '--identity',
      'test/mapping/explain/fedgate.yaml',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^test\/mapping\/explain\/fedgate.yaml is not valid JSON/);
    const missing = await run([
      'mapping',
      'explain',
      '--config',
      join(DIR, 'fedgate.yaml'),
      '--identity',
      'nope.json',
    ]);
    expect(missing).toEqual({ code: 1, stdout: '', stderr: 'cannot read nope.json: no such file\n' });
  });

  it('reports an invalid config the way config validate does', async () => {
    const result = await run([
      'mapping',
      'explain',
      '--config',
      'nope.yaml',
      '--identity',
      join(DIR, 'alice.json'),
    ]);
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'cannot read nope.yaml: no such file\n' });
  });

  it('requires --config and --identity', async () => {
    const result = await run(['mapping', 'explain']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("required option '--config <file>' not specified");
  });
});
