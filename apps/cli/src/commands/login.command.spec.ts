import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../program';

async function run(
  argv: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end();
  const code = await runCli(argv, {
    stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { code, stdout, stderr };
}

describe('fedgate login, logout and whoami without a broker', () => {
  let home: string;
  let env: Record<string, string>;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'fedgate-login-'));
    env = { HOME: home, XDG_CONFIG_HOME: join(home, 'config') };
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it.each([['login'], ['logout'], ['whoami']])('fedgate %s has help and --version', async (command) => {
    const help = await run([command, '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`Usage: fedgate ${command}`);
    expect(help.stdout).toContain('--url <url>');
    const version = await run([command, '--version'], env);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('login asks which broker when none is given or remembered', async () => {
    const result = await run(['login', '--no-browser'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'fedgate: which broker? run fedgate login --url https://fedgate.example.com\n',
    );
  });

  it('login refuses a plain-http broker that is not on loopback, naming the rule', async () => {
    const result = await run(['login', '--url', 'http://fedgate.example.com'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('must use https://');
  });

  it('login says when the broker cannot be reached, without hanging', async () => {
    const result = await run(['login', '--device', '--url', 'http://127.0.0.1:9'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the broker at http://127.0.0.1:9 cannot be reached');
  });

  it('whoami without a login says to run fedgate login', async () => {
    const result = await run(['whoami'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('fedgate: not logged in to any broker: run fedgate login --url <url>\n');
    expect(result.stdout).toBe('');
  });

  it('logout without a login changes nothing and succeeds', async () => {
    const result = await run(['logout', '--url', 'https://fedgate.example.com'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('fedgate: not logged in to https://fedgate.example.com\n');
  });
});
