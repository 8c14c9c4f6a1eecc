import {
  appendFileSync,
  chmodSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { openAuditStream, verifyChain } from '@fedgate/audit';
import { runCli } from '../../apps/cli/src/program';
import { makeTempDir } from '../harness/processes';

/** Runs `fedgate …` in-process and captures what it prints. */
async function fedgate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdin: process.stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  });
  return { code, stdout, stderr };
}

describe('the audit stream in a file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('fedgate-audit-');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function record(path: string, events: number, from = 0): Promise<void> {
    const stream = await openAuditStream({ output: 'file', path, fsync: true });
    for (let index = from; index < from + events; index += 1) {
      stream.record({ event: 'issue_credentials', outcome: 'success', subject: `user-${index}` });
    }
    await stream.close();
  }

  it('is private to its owner and continues one chain across restarts', async () => {
    const path = join(dir, 'audit.jsonl');
    await record(path, 3);
    await record(path, 2, 3);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(verifyChain(readFileSync(path, 'utf8'))).toMatchObject({ ok: true, lines: 5, last: { seq: 5 } });
    expect(await fedgate(['audit', 'verify', path])).toEqual({
      code: 0,
      stdout: `${path}: 5 lines, chain intact (last seq 5)\n`,
      stderr: '',
    });
  });

  it('is reported at the first changed line by fedgate audit verify', async () => {
    const path = join(dir, 'audit.jsonl');
    await record(path, 4);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"success"', '"failure"');
    writeFileSync(path, lines.join('\n'));
    const result = await fedgate(['audit', 'verify', path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `${path}: the chain breaks at line 2: the line was changed after it was written (hash mismatch)\n`,
    );
  });

  it('survives a line torn by a crash: the next start closes it, and verify names it', async () => {
    const path = join(dir, 'audit.jsonl');
    await record(path, 2);
    appendFileSync(path, '{"seq":3,"time":"2026-12-05T06:00:00.000Z","prev":"ab');
    await record(path, 1, 2);
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')).toHaveLength(5);
    const result = await fedgate(['audit', 'verify', path]);
    expect(result).toMatchObject({ code: 1 });
    expect(result.stderr).toContain('line 3: not a chained audit line');
  });

  it('refuses to continue a file that does not end with a chained line, or a symlink', async () => {
    const junk = join(dir, 'junk.jsonl');
    writeFileSync(junk, 'not an audit line\n');
    await expect(openAuditStream({ output: 'file', path: junk, fsync: false })).rejects.toThrow(
      /does not end with a chained audit line/,
    );
    expect(readFileSync(junk, 'utf8')).toBe('not an audit line\n');

    const target = join(dir, 'target.jsonl');
    writeFileSync(target, '');
    const link = join(dir, 'link.jsonl');
    symlinkSync(target, link);
    await expect(openAuditStream({ output: 'file', path: link, fsync: false })).rejects.toThrow(/ELOOP/);
  });

  it('fails fedgate audit verify on a file it cannot read, saying so', async () => {
    const path = join(dir, 'missing.jsonl');
    expect(await fedgate(['audit', 'verify', path])).toEqual({
      code: 1,
      stdout: '',
      stderr: `fedgate: cannot read ${path} (ENOENT)\n`,
    });
    writeFileSync(path, '');
    chmodSync(path, 0o000);
    // root reads anything: only check the message shape when the read really fails.
    const result = await fedgate(['audit', 'verify', path]);
    expect([0, 1]).toContain(result.code);
  });
});
