/**
 * `fedgate-sts-local` as a real process, built the way `npm run build`
 * builds it (tsc with tsconfig.build.json, then tsc-alias) but only its own
 * import graph and into a directory of its own, like test/cli does: it
 * starts from a config file, answers signed STS calls, lists config
 * problems with their paths, and stops on SIGTERM.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { buildBin } from '../harness/build-bin';
import { makeTempDir } from '../harness/processes';

const REPO = resolve(__dirname, '..', '..');
let MAIN = '';
let OUT = '';

/** Starts the CLI and resolves with the URL it logs once listening. */
function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: REPO, env: { PATH: process.env.PATH } });
  let output = '';
  return new Promise((resolvePromise, reject) => {
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text;
      const url = /"url":"(http:\/\/[^"]+)"/.exec(output)?.[1];
      if (url !== undefined) {
        resolvePromise({ child, url, output: () => output });
      }
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.on('error', reject);
    child.on('close', (code) => {
      reject(new Error(`fedgate-sts-local exited with ${String(code)}: ${output}`));
    });
  });
}

describe('fedgate-sts-local (built, child process)', () => {
  beforeAll(async () => {
    ({ main: MAIN, outDir: OUT } = await buildBin('fedgate-sts-local', 'sts-local-int-test'));
  }, 120_000);

  afterAll(() => {
    rmSync(OUT, { recursive: true, force: true });
  });

  it('keeps the shebang, so npx can run the file directly', () => {
    expect(readFileSync(MAIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('serves the demo config on the port given, and stops on SIGTERM', async () => {
    const { child, url, output } = await startCli(['--config', 'config/sts-local.demo.yaml', '--port', '0']);
    try {
      const client = new STSClient({
        region: 'us-east-1',
        endpoint: url,
        maxAttempts: 1,
        credentials: {
          accessKeyId: 'AKIAFEDGATEDEMO00001',
          secretAccessKey: 'fedgate-demo-secret-access-key-for-sts-local-only',
        },
      });
      const identity = await client.send(new GetCallerIdentityCommand({}));
      client.destroy();
      expect(identity.Arn).toBe('arn:aws:iam::123456789012:user/fedgate-broker');
    } finally {
      const exited = new Promise<number | null>((resolvePromise) => child.once('exit', resolvePromise));
      child.removeAllListeners('close');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    expect(output()).not.toContain('fedgate-demo-secret-access-key-for-sts-local-only');
  });

  it('lists every problem of a broken config with its path and exits 1', async () => {
    const dir = await makeTempDir('fedgate-sts-local-cli-');
    try {
      const file = join(dir, 'broken.yaml');
      writeFileSync(file, "accounts:\n  - id: 42\n    roles:\n      - { name: r, trustPolicy: '{' }\n");
      const run = await new Promise<{ code: number | null; stderr: string }>((resolvePromise) => {
        const child = spawn(process.execPath, [MAIN, '--config', file], { env: { PATH: process.env.PATH } });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
        child.on('close', (code) => {
          resolvePromise({ code, stderr });
        });
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('accounts[0].id: ');
      expect(run.stderr).toContain('accounts[0].roles[0].trustPolicy: Syntax errors in policy.');
      const missing = await promisify(execFile)(process.execPath, [MAIN], {
        env: { PATH: process.env.PATH },
      }).catch((error: unknown) => error as { code: number; stderr: string });
      expect(missing).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('--config is required') as unknown,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
