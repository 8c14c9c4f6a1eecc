import { spawn } from 'node:child_process';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { makeTempDir } from './processes';
import { describeMissingBinaries, REQUIRED_BINARIES } from './required-binaries';

const REPO_ROOT = resolve(__dirname, '..', '..');

describe('the integration tests refuse to start without their servers', () => {
  let emptyDir: string;

  beforeAll(async () => {
    emptyDir = await makeTempDir('fedgate-no-binaries-');
  });

  afterAll(async () => {
    await rm(emptyDir, { recursive: true, force: true });
  });

  it('names every missing program and the command that installs it', () => {
    const problem = describeMissingBinaries(REQUIRED_BINARIES, [emptyDir]);
    for (const { name, installHint } of REQUIRED_BINARIES) {
      expect(problem).toContain(name);
      expect(problem).toContain(installHint);
    }
  });

  it('finds a program that is present', async () => {
    const presentDir = await makeTempDir('fedgate-some-binaries-');
    const fakeRedis = join(presentDir, 'redis-server');
    await writeFile(fakeRedis, '#!/bin/sh\n');
    await chmod(fakeRedis, 0o755);
    const problem = describeMissingBinaries(
      [{ name: 'redis-server', installHint: 'apt-get install -y redis-server' }],
      [presentDir],
    );
    await rm(presentDir, { recursive: true, force: true });
    expect(problem).toBeUndefined();
  });

  it('ends a jest run at once, with the install command, when a server is missing', async () => {
    // The check looks only in an empty directory, so every server counts as missing.
    const jestBin = join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
    const run = await runProcess(
      process.execPath,
      [jestBin, '--selectProjects', 'integration', 'test/harness/required-binaries.int-spec.ts'],
      { ...process.env, FEDGATE_TEST_BINARY_DIRS: emptyDir },
    );
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('apt-get install -y redis-server');
    expect(run.output).toContain('pip install "moto[server]"');
    expect(run.output).not.toContain('Tests:');
  });
});

function runProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      resolvePromise({ code, output });
    });
  });
}
