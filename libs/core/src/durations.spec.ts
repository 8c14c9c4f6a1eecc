import { formatDuration, parseDurationSeconds } from './durations';

describe('parseDurationSeconds', () => {
  it.each([
    [900, 900],
    ['900', 900],
    ['15m', 900],
    ['1h30m', 5400],
    ['12h', 43200],
    ['1d', 86400],
    ['2h5s', 7205],
  ])('parses %p as %p seconds', (input, expected) => {
    expect(parseDurationSeconds(input)).toBe(expected);
  });

  it.each(['', 'h', '1.5h', '-5m', 'ten minutes', '5m1h', 1.5, -1])('rejects %p', (input) => {
    expect(parseDurationSeconds(input)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [900, '15m'],
    [5400, '1h30m'],
    [43200, '12h'],
    [45, '45s'],
    [0, '0s'],
  ])('formats %p as %p', (input, expected) => {
    expect(formatDuration(input)).toBe(expected);
  });
});
