import { parseYaml } from './yaml-document';

function issues(text: string): string[] {
  const result = parseYaml(text);
  if (result.ok) {
    throw new Error('expected YAML errors');
  }
  return result.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('parseYaml', () => {
  it('returns plain data with string keys', () => {
    const result = parseYaml('a: 1\n2: [x, "y"]\nb: { c: null }\n');
    expect(result.ok && result.source.data).toEqual({ a: 1, '2': ['x', 'y'], b: { c: null } });
  });

  it('reports every syntax error with line and column, in order', () => {
    expect(issues('a: 1\nb: [1, 2\nc: 3\na: 2\n')).toEqual([
      'line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
      'line 4, column 1: Map keys must be unique',
    ]);
  });

  it('rejects several documents, unknown tags and unknown aliases', () => {
    expect(issues('a: 1\n---\nb: 2\n')).toEqual([
      'line 2, column 1: Source contains multiple documents; please use YAML.parseAllDocuments()',
    ]);
    expect(issues('a: !!binary aGVsbG8=\nb: !custom x\n')).toEqual([
      'line 1, column 4: Unresolved tag: tag:yaml.org,2002:binary',
      'line 2, column 4: Unresolved tag: !custom',
    ]);
    expect(issues('a: *nowhere\n')).toEqual([
      'line 1, column 4: unknown alias *nowhere (define &nowhere before it)',
    ]);
  });

  it('allows a few aliases but not an expanding bomb', () => {
    const few = parseYaml('base: &m { groups: [a] }\none: *m\ntwo: *m\n');
    expect(few.ok && few.source.data).toEqual({
      base: { groups: ['a'] },
      one: { groups: ['a'] },
      two: { groups: ['a'] },
    });
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [name, previous] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
    ] as const) {
      bomb.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    expect(issues(bomb.join('\n'))).toEqual([
      expect.stringMatching(/^\(root\): aliases expand too far \(limit 100\)/),
    ]);
  });

  it('locates paths: the key of a map entry, an item of a list, or the nearest ancestor', () => {
    const text = 'server:\n  port: 80\nlist:\n  - a\n  - b: 1\n';
    const result = parseYaml(text);
    if (!result.ok) {
      throw new Error('expected valid YAML');
    }
    const { offsetOf } = result.source;
    expect(offsetOf([])).toBe(0);
    expect(offsetOf(['server', 'port'])).toBe(text.indexOf('port'));
    expect(offsetOf(['list', 1])).toBe(text.indexOf('b: 1'));
    expect(offsetOf(['list', 1, 'c'])).toBe(text.indexOf('b: 1'));
    expect(offsetOf(['server', 'host'])).toBe(text.indexOf('server'));
  });
});
