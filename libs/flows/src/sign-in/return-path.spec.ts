import { safeReturnPath } from './return-path';

describe('safeReturnPath', () => {
  it.each(['/', '/console/111111111111/ReadOnly', '/console/demo/Dev?destination=%2Fs3', '/#accounts'])(
    'keeps the relative path %p',
    (path) => {
      expect(safeReturnPath(path)).toBe(path);
    },
  );

  it.each([
    undefined,
    'https://evil.example/',
    '//evil.example/x',
    '/\\evil.example',
    'javascript:alert(1)',
    'console/demo',
    '/ok\r\nSet-Cookie: x=y',
    `/${'a'.repeat(2048)}`,
  ])('answers / for %p', (path) => {
    expect(safeReturnPath(path)).toBe('/');
  });
});
