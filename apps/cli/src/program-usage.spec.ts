import { PassThrough } from 'node:stream';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runCli } from './program';

const REPO = resolve(__dirname, '..', '..', '..');

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

describe('fedgate usage', () => {
  it.each([['--version'], ['-V']])('%s prints the version of package.json', async (flag) => {
    const { version } = JSON.parse(readFileSync(resolve(REPO, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await run([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it.each([
    [['nosuch', '--help'], 'nosuch'],
    [['nosuch'], 'nosuch'],
    [['config', 'valdiate', '--help'], 'valdiate'],
  ])('refuses an unknown command in %j with exit code 1, even with --help', async (argv, word) => {
    const result = await run(argv);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`unknown command '${word}'`);
  });

  it('still prints the help of a known command', async () => {
    const result = await run(['config', 'validate', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: fedgate config validate');
  });
});
