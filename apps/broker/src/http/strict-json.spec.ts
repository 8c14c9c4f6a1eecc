import fc from 'fast-check';
import { FedgateError } from '@fedgate/core';
import { duplicateKey, keysInValue, parseJsonWithoutDuplicateKeys, shapeOf } from './strict-json';

const DUPLICATED: [string, string][] = [
  ['{"a":1,"a":2}', 'a'],
  ['{"a":1,"\\u0061":2}', 'a'],
  ['{"outer":{"b":1,"c":{"b":2},"b":3}}', 'b'],
  ['[{"x":1},{"y":1,"y":2}]', 'y'],
  ['{"s":"\\"a\\":1,","a":1,"s":2}', 's'],
  ['{"a\\\\":1,"a\\u005c":2}', 'a\\'],
  ['{"\\\\\\"":1,"\\"\\\\":2,"\\u005c\\u0022":3}', '\\"'],
  ['{"é":{"x":[1,"}"]},"\\u00e9":2}', 'é'],
];

const UNIQUE: string[] = [
  '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}',
  '{"a":"a","b":["a","a"]}',
  '{"a\\"":1,"a":2}',
  '["a","a"]',
  '{}',
  '"{\\"a\\":1,\\"a\\":2}"',
  '{"a\\\\":1,"a":2,"a\\\\\\\\":3}',
];

describe('duplicateKey', () => {
  it.each(DUPLICATED)('finds the key given twice in %s', (text, key) => {
    expect(duplicateKey(text)).toBe(key);
  });

  it.each(UNIQUE)('finds none in %s', (text) => {
    expect(duplicateKey(text)).toBeUndefined();
  });
});

describe('parseJsonWithoutDuplicateKeys', () => {
  it('parses JSON whose objects name each key once', () => {
    expect(parseJsonWithoutDuplicateKeys(' {"username":"alice","nested":{"username":"x"}} ')).toEqual({
      username: 'alice',
      nested: { username: 'x' },
    });
  });

  it('refuses text that is not JSON without echoing it', () => {
    expect(() => parseJsonWithoutDuplicateKeys('{"password":"hunter2"')).toThrow(
      new FedgateError('invalid_request', 'The request body is not valid JSON'),
    );
  });

  it('refuses an object that has a key twice, naming the key and not the values', () => {
    let thrown: unknown;
    try {
      parseJsonWithoutDuplicateKeys('{"password":"first-secret","password":"second-secret"}');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FedgateError);
    expect((thrown as FedgateError).message).toBe(
      'The request body is ambiguous: an object has the key "password" more than once',
    );
  });
});

describe('parseJsonWithoutDuplicateKeys against texts built to defeat its key counts', () => {
  function ambiguity(text: string): string | undefined {
    try {
      parseJsonWithoutDuplicateKeys(text);
      return undefined;
    } catch (error) {
      return (error as FedgateError).message;
    }
  }

  function refusal(key: string): string {
    return `The request body is ambiguous: an object has the key "${key}" more than once`;
  }

  it.each([
    ...DUPLICATED,
    // Flat objects, where the top value's key count alone decides.
    ['{"a:b":"c:d","a:b":1}', 'a:b'],
    ['{"k":"\\":\\"","k":1}', 'k'],
    ['{"a" :1,\n"a"\t:2}', 'a'],
    ['{"a":"{[","a":1}', 'a'],
    ['{"1":1,"\\u0031":2}', '1'],
    ['{"__proto__":1,"__proto__":{}}', '__proto__'],
    ['{"a":{"b":1},"a":2}', 'a'],
    ['{"a":[],"a":[]}', 'a'],
    ['[["x"],{"a\\"":1,"a\\u0022":2}]', 'a"'],
  ])('refuses %s, naming the key', (text, key) => {
    expect(ambiguity(text)).toBe(refusal(key));
  });

  it.each([
    ...UNIQUE,
    '{"a:b":"c:d","e":1}',
    '{"a":"{[","b":1}',
    '{"1":1,"01":2}',
    '{"a" :1,\n"b"\t:{"a":[]}}',
    '"a:b"',
    '[1,"a",{"a":"a:a"},[{"a":{}}]]',
  ])('takes %s as JSON.parse does', (text) => {
    expect(parseJsonWithoutDuplicateKeys(text)).toEqual(JSON.parse(text));
  });

  it('counts through nesting deeper than the call stack', () => {
    const depth = 100_000;
    const nested = (inner: string): string => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
    expect(ambiguity(nested('{"a":1,"a":2}'))).toBe(refusal('a'));
    let value = parseJsonWithoutDuplicateKeys(nested('{"a":1,"b":2}'));
    for (let level = 0; level < depth; level += 1) {
      value = (value as unknown[])[0];
    }
    expect(value).toEqual({ a: 1, b: 2 });
  });

  it('keeps a single "__proto__" key as an own property', () => {
    const value = parseJsonWithoutDuplicateKeys('{"__proto__":{"admin":true}}') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect((value as { admin?: unknown }).admin).toBeUndefined();
  });

  // Keys drawn from a few characters, each written as itself or as a \u escape,
  // so that objects often name one key twice in different spellings.
  const CHARACTERS = ['a', 'b', '"', '\\', ':', '{', '[', 'é'];
  interface Tree {
    entries?: [[string, boolean][], string, Tree][];
    items?: Tree[];
    scalar?: string | number | boolean | null;
  }
  const spelling = fc.array(fc.tuple(fc.constantFrom(...CHARACTERS), fc.boolean()), { maxLength: 2 });
  const space = fc.constantFrom('', ' ', '\n\t', '\r\n ');
  const { tree } = fc.letrec<{ tree: Tree; scalar: Tree; object: Tree; array: Tree }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small' }, tie('scalar'), tie('object'), tie('array')),
    scalar: fc
      .oneof(
        fc.constantFrom(null, true, false, 0, -1.5e3),
        fc.string({ unit: fc.constantFrom(...CHARACTERS) }),
      )
      .map((scalar) => ({ scalar })),
    object: fc
      .array(fc.tuple(spelling, space, tie('tree')), { maxLength: 4 })
      .map((entries) => ({ entries })),
    array: fc.array(tie('tree'), { maxLength: 3 }).map((items) => ({ items })),
  }));

  function keyText(key: [string, boolean][]): string {
    const body = key
      .map(([char, escaped]) =>
        escaped
          ? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
          : JSON.stringify(char).slice(1, -1),
      )
      .join('');
    return `"${body}"`;
  }

  function serialize(node: Tree): string {
    if (node.entries !== undefined) {
      const members = node.entries.map(
        ([key, gap, child]) => `${gap}${keyText(key)}${gap}:${serialize(child)}`,
      );
      return `{${members.join(',')}}`;
    }
    if (node.items !== undefined) {
      return `[${node.items.map(serialize).join(',')}]`;
    }
    return JSON.stringify(node.scalar);
  }

  function hasTwice(node: Tree): boolean {
    if (node.entries !== undefined) {
      const names = node.entries.map(([key]) => key.map(([char]) => char).join(''));
      return new Set(names).size !== names.length || node.entries.some(([, , child]) => hasTwice(child));
    }
    return (node.items ?? []).some(hasTwice);
  }

  it('refuses exactly the texts where an object names a key twice, naming the key the full scan finds', () => {
    fc.assert(
      fc.property(tree, (node) => {
        const text = serialize(node);
        if (hasTwice(node)) {
          const key = duplicateKey(text);
          expect(key).toBeDefined();
          expect(ambiguity(text)).toBe(refusal(key ?? ''));
        } else {
          expect(parseJsonWithoutDuplicateKeys(text)).toEqual(JSON.parse(text));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('shapeOf and keysInValue', () => {
  it('count the keys a text writes and its containers, not what its strings hold', () => {
    expect(shapeOf('{"a:":"{[","b" : [1,{"c\\":":null}]}')).toEqual({ keys: 3, containers: 3 });
    expect(shapeOf(' "{\\"a\\":1}" ')).toEqual({ keys: 0, containers: 0 });
  });

  it('count the own keys of every object in a parsed value', () => {
    expect(keysInValue(JSON.parse('{"a":1,"b":[{"c":1},{"d":{"e":1}}],"f":[]}'))).toBe(6);
    expect(keysInValue(JSON.parse('{"__proto__":1}'))).toBe(1);
    expect(keysInValue([1, 'a', null])).toBe(0);
    expect(keysInValue('a')).toBe(0);
  });
});
