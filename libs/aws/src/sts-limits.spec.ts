import { hasAwsReservedPrefix, POLICY_CHARACTERS, TAG_CHARACTERS, tagKeyProblem } from './sts-limits';

describe('tagKeyProblem', () => {
  it('accepts what AWS accepts and says why it refuses the rest', () => {
    expect(tagKeyProblem('Cost Center:ü/=+-@_.')).toBeUndefined();
    expect(tagKeyProblem('')).toBe('tag key must be 1–128 characters');
    expect(tagKeyProblem('x'.repeat(129))).toBe('tag key must be 1–128 characters');
    expect(tagKeyProblem('a*b')).toMatch(/has characters AWS does not allow/);
    expect(tagKeyProblem('AWS:thing')).toMatch(/starts with aws:/);
  });
});

describe('character classes', () => {
  it('match AWS tag and policy characters', () => {
    expect(TAG_CHARACTERS.test('Données 2024 / x=y+z@a_b.c:d-e')).toBe(true);
    expect(TAG_CHARACTERS.test('a,b')).toBe(false);
    expect(POLICY_CHARACTERS.test('{"a":"ÿ"}\t\n')).toBe(true);
    expect(POLICY_CHARACTERS.test('Ā')).toBe(false);
    expect(hasAwsReservedPrefix('Aws:x')).toBe(true);
    expect(hasAwsReservedPrefix('awsx')).toBe(false);
  });
});
