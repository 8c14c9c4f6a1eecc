import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildBin } from '../harness/build-bin';

/**
 * `fedgate config validate` as a real process, built the way `npm run build`
 * builds it (tsc with tsconfig.build.json, then tsc-alias), but only the
 * CLI's own import graph and into a directory of its own: work in progress
 * elsewhere in the repository cannot break this test, and a concurrent
 * `npm run build` cannot hand it half-written files.
 */
const REPO = resolve(__dirname, '..', '..');
let MAIN = '';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function fedgate(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: REPO,
      env: options.env ?? { PATH: process.env.PATH },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

describe('fedgate config validate (built CLI, child process)', () => {
  let dir: string;

  beforeAll(async () => {
    ({ main: MAIN } = await buildBin('fedgate', 'cli-int-test'));
    dir = mkdtempSync(join(tmpdir(), 'fedgate-cli-int-'));
  }, 120_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the shebang, so npx fedgate can run the file directly', () => {
    expect(readFileSync(MAIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('prints valid and exits 0 for config/demo.yaml', async () => {
    await expect(fedgate(['config', 'validate', 'config/demo.yaml'])).resolves.toEqual({
      code: 0,
      stdout: 'valid\n',
      stderr: '',
    });
  });

  it('lists every issue of a broken file on stderr and exits 1', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      `server:
  port: 99999
  prot: 8080
connectors:
  - id: demo
    type: static
    users:
      - username: alice
        passwordHash: plaintext
backends:
  - id: aws
    type: sts
    credentials:
      accessKeyId: AKIAEXAMPLEEXAMPLE
      secretAccessKey: \${env:AWS_SECRET}
accounts:
  - { id: '111111111111', name: prod, backend: aws }
  - { id: '111111111111', name: prod2, backend: aws }
permissionSets:
  - { name: Developer, roleName: fedgate-Developer, sessionDuration: 13h }
assignments:
  - { match: { groups: [developers] }, accounts: [prod], permissionSets: [Admn] }
`,
    );
    const result = await fedgate(['config', 'validate', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      `${file} is invalid:`,
      '  server.port: must be at most 65535',
      '  server.prot: unknown key',
      // The wording is the static connector's; only its place in the list matters here.
      expect.stringMatching(/^ {2}connectors\[0\]\.users\[0\]\.passwordHash: must be a scrypt hash/),
      '  backends[0].credentials.secretAccessKey: environment variable AWS_SECRET is not set',
      '  accounts[1].id: duplicates accounts[0].id ("111111111111")',
      '  permissionSets[0].sessionDuration: must be between 15m and 12h',
      '  assignments[0].permissionSets[0]: unknown permission set "Admn" (known: Developer)',
      '',
    ]);
  });

  it('resolves references from the real environment, and never prints their values', async () => {
    const file = join(dir, 'secret.yaml');
    writeFileSync(
      file,
      'connectors:\n  - { id: x, type: static, users: [{ username: a, passwordHash: "${env:FEDGATE_TEST_SECRET}" }] }\n',
    );
    const secret = 'not-a-hash-but-a-secret';
    const result = await fedgate(['config', 'validate', file], {
      env: { PATH: process.env.PATH, FEDGATE_TEST_SECRET: secret },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('connectors[0].users[0].passwordHash: must be a scrypt hash');
    expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('says clearly when the file cannot be read', async () => {
    const file = join(dir, 'missing.yaml');
    await expect(fedgate(['config', 'validate', file])).resolves.toEqual({
      code: 1,
      stdout: '',
      stderr: `cannot read ${file}: no such file\n`,
    });
  });

  it('hashes a password piped on stdin and exits once done', async () => {
    const result = await fedgate(['hash-password', '--cost', '10'], { input: 'fedgate-demo\n' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+\n$/);
  });
});
