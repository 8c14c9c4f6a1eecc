import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTextFileSync } from './read-text-file';

describe('readTextFileSync', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fedgate-read-'));
    writeFileSync(join(dir, 'small'), 'héllo\n');
    writeFileSync(join(dir, 'big'), 'x'.repeat(101));
    writeFileSync(join(dir, 'binary'), Buffer.from([0xff, 0xfe, 0x00]));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['small', { ok: true, text: 'héllo\n' }],
    ['big', { ok: false, reason: 'it is larger than 100 bytes' }],
    ['binary', { ok: false, reason: 'it is not UTF-8 text' }],
    ['missing', { ok: false, reason: 'no such file' }],
    ['.', { ok: false, reason: 'it is a directory' }],
  ])('reads %s', (name, expected) => {
    expect(readTextFileSync(join(dir, name), 100)).toEqual(expected);
  });

  it('stops reading an endless file at the limit', () => {
    expect(readTextFileSync('/dev/zero', 1000)).toEqual({
      ok: false,
      reason: 'it is larger than 1000 bytes',
    });
  });
});
