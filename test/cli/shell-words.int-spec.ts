/**
 * The credential_process line `fedgate configure` writes must mean the same
 * words to botocore (Python's shlex.split) and to the JS SDK
 * (child_process.exec, i.e. /bin/sh). Both real parsers judge it here.
 */
import { exec, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import {
  shellCommandLine,
  shellWord,
  UnsafeCommandWordError,
} from '../../apps/cli/src/aws-config/shell-words';

const execAsync = promisify(exec);

let dir = '';
let printArgs = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fedgate-shell-words-'));
  printArgs = join(dir, 'print-args.js');
  writeFileSync(printArgs, 'process.stdout.write(JSON.stringify(process.argv.slice(2)))');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The words /bin/sh passes to a program for `line` (what the JS SDK's exec does). */
async function shWords(words: readonly string[]): Promise<string[]> {
  const { stdout } = await execAsync(shellCommandLine([process.execPath, printArgs, ...words]));
  return JSON.parse(stdout) as string[];
}

/** What botocore's compat_shell_split (shlex.split) makes of each line. */
async function shlexWordsOf(lines: readonly string[]): Promise<string[][]> {
  const child = execFile('python3', [
    '-c',
    'import json, shlex, sys; print(json.dumps([shlex.split(line) for line in json.load(sys.stdin)]))',
  ]);
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stdin?.end(JSON.stringify(lines));
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        resolve();
      } else {
        reject(new Error(`python3 exited with ${String(code)}`));
      }
    });
  });
  return JSON.parse(stdout) as string[][];
}

const AWKWARD = [
  '/home/ana maria/.local/bin/fedgate',
  'http://127.0.0.1:8080',
  '123456789012',
  'Developer',
  'dev=ops',
  'a$HOME',
  '`id`',
  '$(id)',
  'back\\slash',
  'say "hi"',
  '~/fedgate',
  '*',
  'a&b|c>d<e',
  '(x)',
  '{a,b}',
  '!x',
  'tab-free spaces  twice',
];

describe('credential_process command lines', () => {
  it('mean the same words to /bin/sh and to shlex.split', async () => {
    const words = ['credential-process', ...AWKWARD];
    expect(await shWords(words)).toEqual(words);
    const [split] = await shlexWordsOf([shellCommandLine(words)]);
    expect(split).toEqual(words);
  });

  it('keep plain words unquoted, so common lines stay readable', () => {
    expect(
      shellCommandLine([
        '/usr/bin/node',
        '/opt/fedgate/main.js',
        '--url',
        'https://fedgate.example.com:8443/x',
      ]),
    ).toBe('/usr/bin/node /opt/fedgate/main.js --url https://fedgate.example.com:8443/x');
    expect(shellWord('dev=ops')).toBe("'dev=ops'");
  });

  it('agree on any printable word they accept (property)', async () => {
    const word = fc
      .string({
        minLength: 1,
        maxLength: 12,
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      })
      .filter((text) => !/['#;]/.test(text));
    const samples = fc.sample(fc.array(word, { minLength: 1, maxLength: 4 }), 40);
    const lines = samples.map((words) => shellCommandLine(words));
    expect(await shlexWordsOf(lines)).toEqual(samples);
    for (const words of samples.slice(0, 10)) {
      expect(await shWords(words)).toEqual(words);
    }
  });

  it.each([
    ["it's", "'"],
    ['a#b', '#'],
    ['a;b', ';'],
    ['line\nbreak', 'control'],
    ['tab\there', 'control'],
    ['café', 'ASCII'],
    ['', 'empty'],
  ])('refuses %j, which no quoting keeps intact for every SDK', (word, reason) => {
    expect(() => shellWord(word)).toThrow(UnsafeCommandWordError);
    expect(() => shellWord(word)).toThrow(reason);
  });
});
