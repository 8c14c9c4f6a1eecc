import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveReferences, type ReferenceSources } from './references';

describe('resolveReferences', () => {
  let dir: string;
  let sources: ReferenceSources;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fedgate-references-'));
    writeFileSync(join(dir, 'token'), 'from-a-file\n\n');
    writeFileSync(join(dir, 'braces'), '${env:HOME}');
    sources = { env: { USER_NAME: 'alice', EMPTY: '', BRACES: '${env:USER_NAME}' }, baseDir: dir };
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaces whole and embedded references and copies everything else', () => {
    const input = {
      a: '${env:USER_NAME}',
      b: ['x-${env:USER_NAME}-${file:token}-y', 42, true, null],
      c: { d: `\${file:${join(dir, 'token')}}` },
      e: '${env:EMPTY}',
    };
    const result = resolveReferences(input, sources);
    expect(result.issues).toEqual([]);
    expect(result.value).toEqual({
      a: 'alice',
      b: ['x-alice-from-a-file-y', 42, true, null],
      c: { d: 'from-a-file' },
      e: '',
    });
    expect(result.referencePaths).toEqual([['a'], ['b', 0], ['c', 'd'], ['e']]);
    expect(result.secrets).toEqual(expect.arrayContaining(['alice', 'from-a-file']));
    expect(input.a).toBe('${env:USER_NAME}');
  });

  it('reads $${ as a literal ${ and leaves other dollars alone', () => {
    const result = resolveReferences(
      { a: '$${env:USER_NAME} costs $5 $$ $', b: '$$${env:USER_NAME}' },
      sources,
    );
    expect(result.issues).toEqual([]);
    expect(result.value).toEqual({ a: '${env:USER_NAME} costs $5 $$ $', b: '$${env:USER_NAME}' });
    expect(result.referencePaths).toEqual([]);
  });

  it('does not expand references inside the values it produced', () => {
    const result = resolveReferences({ a: '${env:BRACES}', b: '${file:braces}' }, sources);
    expect(result.value).toEqual({ a: '${env:USER_NAME}', b: '${env:HOME}' });
  });

  it('reports each failed reference at its path and leaves the string as written', () => {
    const input = {
      list: [
        'ok',
        '${env:MISSING}',
        '${vault:secret/x}',
        '${file:nope.txt}',
        'a ${env:USER_NAME',
        '${nokind}',
        '${env:not a name}',
        '${file:}',
        '${env:MISSING} and ${env:ALSO_MISSING}',
      ],
    };
    const result = resolveReferences(input, sources);
    expect(result.value).toEqual(input);
    expect(result.issues).toEqual([
      { path: ['list', 1], message: 'environment variable MISSING is not set' },
      {
        path: ['list', 2],
        message: 'unknown reference kind "vault" (use ${env:NAME} or ${file:PATH}, or $${ for a literal ${)',
      },
      { path: ['list', 3], message: 'cannot read file nope.txt: no such file' },
      {
        path: ['list', 4],
        message:
          'unterminated reference: "${" without "}" (use ${env:NAME} or ${file:PATH}, or $${ for a literal ${)',
      },
      {
        path: ['list', 5],
        message:
          'reference "${nokind}" has no kind (use ${env:NAME} or ${file:PATH}, or $${ for a literal ${)',
      },
      { path: ['list', 6], message: '"not a name" is not an environment variable name' },
      { path: ['list', 7], message: 'a ${file:…} reference needs a path' },
      { path: ['list', 8], message: 'environment variable MISSING is not set' },
      { path: ['list', 8], message: 'environment variable ALSO_MISSING is not set' },
    ]);
  });

  it('keeps keys as they are, including __proto__', () => {
    const input: unknown = JSON.parse('{"__proto__": {"${env:USER_NAME}": "${env:USER_NAME}"}}');
    const result = resolveReferences(input, sources);
    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(Object.keys(result.value as object)).toEqual(['__proto__']);
    expect(JSON.stringify(result.value)).toBe('{"__proto__":{"${env:USER_NAME}":"alice"}}');
  });
});
