import { FedgateError } from '@fedgate/core';
import { duplicateKey, parseJsonWithoutDuplicateKeys } from './strict-json';

describe('duplicateKey', () => {
  it.each([
    ['{"a":1,"a":2}', 'a'],
    ['{"a":1,"\\u0061":2}', 'a'],
    ['{"outer":{"b":1,"c":{"b":2},"b":3}}', 'b'],
    ['[{"x":1},{"y":1,"y":2}]', 'y'],
    ['{"s":"\\"a\\":1,","a":1,"s":2}', 's'],
    ['{"a\\\\":1,"a\\u005c":2}', 'a\\'],
    ['{"\\\\\\"":1,"\\"\\\\":2,"\\u005c\\u0022":3}', '\\"'],
    ['{"é":{"x":[1,"}"]},"\\u00e9":2}', 'é'],
  ])('finds the key given twice in %s', (text, key) => {
    expect(duplicateKey(text)).toBe(key);
  });

  it.each([
    '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}',
    '{"a":"a","b":["a","a"]}',
    '{"a\\"":1,"a":2}',
    '["a","a"]',
    '{}',
    '"{\\"a\\":1,\\"a\\":2}"',
    '{"a\\\\":1,"a":2,"a\\\\\\\\":3}',
  ])('finds none in %s', (text) => {
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
