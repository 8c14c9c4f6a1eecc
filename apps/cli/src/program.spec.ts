import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { parsePasswordHash, verifyPassword } from '@fedgate/connectors';
import type { CliIo, TextInput } from './cli-io';
import { runCli } from './program';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const REPO = resolve(__dirname, '..', '..', '..');

/** Runs the CLI with in-memory streams; `input` is what arrives on stdin (then end of input). */
async function run(
  argv: string[],
  options: { input?: string; stdin?: TextInput; env?: CliIo['env'] } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const stdin = options.stdin ?? new PassThrough();
  if (!options.stdin) {
    (stdin as PassThrough).end(options.input ?? '');
  }
  const code = await runCli(argv, {
    stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    cwd: REPO,
  });
  return { code, stdout, stderr };
}

async function expectHashOf(hash: string, password: string, logN: number): Promise<void> {
  const parsed = parsePasswordHash(hash);
  if (typeof parsed === 'string') {
    throw new Error(parsed);
  }
  expect(parsed.logN).toBe(logN);
  await expect(verifyPassword(password, parsed)).resolves.toBe(true);
  await expect(verifyPassword(`${password}x`, parsed)).resolves.toBe(false);
}

describe('fedgate', () => {
  it('prints help with exit code 0 for --help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: fedgate');
    expect(result.stdout).toContain('hash-password');
    expect(result.stdout).toContain('config');
  });

  it('rejects an unknown command with a non-zero exit code and a hint', async () => {
    const result = await run(['frobnicate']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
    expect(result.stdout).toBe('');
  });
});

describe('fedgate config validate', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fedgate-cli-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints valid for the demo config (relative to the working directory)', async () => {
    await expect(run(['config', 'validate', 'config/demo.yaml'])).resolves.toEqual({
      code: 0,
      stdout: 'valid\n',
      stderr: '',
    });
  });

  it('lists every issue on stderr and exits 1', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      [
        'server: { prot: 80 }',
        'connectors: []',
        'backends:',
        '  - { id: aws, type: sts, credentials: { accessKeyId: AKIAEXAMPLEEXAMPLE, secretAccessKey: "${env:SECRET}" } }',
        '',
      ].join('\n'),
    );
    const result = await run(['config', 'validate', file]);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        `${file} is invalid:`,
        '  server.prot: unknown key',
        '  connectors: must list at least one connector',
        '  backends[0].credentials.secretAccessKey: environment variable SECRET is not set',
        '',
      ].join('\n'),
    });
  });

  it('uses the given environment for references', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      'connectors:\n  - { id: x, type: static, users: [{ username: a, passwordHash: "${env:HASH}" }] }\n',
    );
    const hash =
      '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$m1rlnJxXIEcXFdgJ0YqXrS+jxF7V3HvXgaGrFYcBnYg=';
    await expect(run(['config', 'validate', file], { env: { HASH: hash } })).resolves.toMatchObject({
      code: 0,
      stdout: 'valid\n',
    });
    await expect(run(['config', 'validate', file])).resolves.toMatchObject({ code: 1 });
  });

  it('checks web identity signing keys as the broker would, without printing them', async () => {
    const file = join(dir, 'keys.yaml');
    const notAKey = '-----BEGIN PRIVATE KEY-----\\nbm90IGEga2V5\\n-----END PRIVATE KEY-----';
    writeFileSync(
      file,
      [
        'connectors: [{ id: x, type: static, users: [{ username: a, passwordHash: "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$m1rlnJxXIEcXFdgJ0YqXrS+jxF7V3HvXgaGrFYcBnYg=" }] }]',
        `issuance: { webIdentity: { signingKeys: [{ privateKey: "${notAKey}" }] } }`,
        '',
      ].join('\n'),
    );
    const result = await run(['config', 'validate', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^\s+issuance\.webIdentity\.signingKeys\[0\]\.privateKey: /m);
    expect(result.stderr).not.toContain('bm90IGEga2V5');
  });

  it('says clearly when the file cannot be read', async () => {
    const file = join(dir, 'missing.yaml');
    await expect(run(['config', 'validate', file])).resolves.toEqual({
      code: 1,
      stdout: '',
      stderr: `cannot read ${file}: no such file\n`,
    });
  });

  it('requires the file argument', async () => {
    const result = await run(['config', 'validate']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("missing required argument 'file'");
  });
});

describe('fedgate hash-password', () => {
  it('hashes the first line of standard input', async () => {
    const result = await run(['hash-password', '--cost', '10'], { input: 'correct horse\nignored\n' });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[^\n]+\n$/);
    await expectHashOf(result.stdout.trim(), 'correct horse', 10);
  });

  it('accepts input without a trailing newline, and CRLF line endings', async () => {
    const bare = await run(['hash-password', '--cost', '10'], { input: 'pässword' });
    await expectHashOf(bare.stdout.trim(), 'pässword', 10);
    const crlf = await run(['hash-password', '--cost', '10'], { input: 'pässword\r\n' });
    await expectHashOf(crlf.stdout.trim(), 'pässword', 10);
  });

  it('uses cost 15 by default', async () => {
    const result = await run(['hash-password'], { input: 'secret\n' });
    expect(result.stdout).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
  });

  it('refuses an empty password', async () => {
    await expect(run(['hash-password', '--cost', '10'], { input: '  \n' })).resolves.toEqual({
      code: 1,
      stdout: '',
      stderr: 'fedgate: the password is empty\n',
    });
  });

  it.each(['9', '21', '1.5', 'many'])('refuses --cost %s', async (cost) => {
    const result = await run(['hash-password', '--cost', cost], { input: 'secret\n' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('must be a whole number from 10 to 20');
  });

  describe('on a terminal', () => {
    function terminal(): PassThrough & TextInput & { rawModes: boolean[] } {
      const stream = new PassThrough() as PassThrough & TextInput & { rawModes: boolean[] };
      stream.isTTY = true;
      stream.rawModes = [];
      stream.setRawMode = (mode: boolean) => stream.rawModes.push(mode);
      return stream;
    }

    it('asks twice without echo and hashes the password', async () => {
      const stdin = terminal();
      const running = run(['hash-password', '--cost', '10'], { stdin });
      stdin.write('s3cret\r');
      stdin.write('s3cret\r');
      const result = await running;
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('Password: \nRepeat password: \n');
      expect(result.stderr).not.toContain('s3cret');
      expect(stdin.rawModes).toEqual([true, false]);
      await expectHashOf(result.stdout.trim(), 's3cret', 10);
    });

    it('refuses two different passwords', async () => {
      const stdin = terminal();
      const running = run(['hash-password', '--cost', '10'], { stdin });
      stdin.write('one\rtwo\r');
      await expect(running).resolves.toEqual({
        code: 1,
        stdout: '',
        stderr: 'Password: \nRepeat password: \nfedgate: the passwords do not match\n',
      });
    });

    it('stops with exit code 130 on Ctrl-C', async () => {
      const stdin = terminal();
      const running = run(['hash-password'], { stdin });
      stdin.write('abc\u0003');
      await expect(running).resolves.toEqual({
        code: 130,
        stdout: '',
        stderr: 'Password: \nfedgate: cancelled\n',
      });
      expect(stdin.rawModes).toEqual([true, false]);
    });
  });
});
