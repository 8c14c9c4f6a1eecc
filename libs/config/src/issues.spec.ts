import { formatIssue, formatIssues, formatPath, isPathWithin } from './issues';

describe('formatPath', () => {
  it('writes paths the way people refer to YAML', () => {
    expect(formatPath([])).toBe('(root)');
    expect(formatPath(['server', 'port'])).toBe('server.port');
    expect(formatPath(['permissionSets', 1, 'sessionDuration'])).toBe('permissionSets[1].sessionDuration');
    expect(formatPath(['connectors', 0, 'users', 2, 'attributes', 'cost center'])).toBe(
      'connectors[0].users[2].attributes["cost center"]',
    );
    expect(formatPath(['a.b', 'x-y', '1'])).toBe('["a.b"].x-y["1"]');
  });
});

describe('formatIssues', () => {
  it('puts each issue on its own indented line', () => {
    const issues = [
      { path: 'server.port', message: 'must be a number' },
      { path: '(root)', message: 'the file is empty' },
    ];
    expect(formatIssue(issues[0]!)).toBe('server.port: must be a number');
    expect(formatIssues(issues)).toBe('  server.port: must be a number\n  (root): the file is empty');
    expect(formatIssues([])).toBe('');
  });
});

describe('isPathWithin', () => {
  it('is true for the path itself and its descendants only', () => {
    expect(isPathWithin(['a', 0, 'b'], ['a', 0])).toBe(true);
    expect(isPathWithin(['a', 0], ['a', 0])).toBe(true);
    expect(isPathWithin(['a', 1], ['a', 0])).toBe(false);
    expect(isPathWithin(['a'], ['a', 0])).toBe(false);
    expect(isPathWithin(['a'], [])).toBe(true);
  });
});
