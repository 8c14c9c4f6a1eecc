import { QueryParams } from './query-params';

describe('QueryParams', () => {
  const params = new QueryParams(
    new URLSearchParams('Action=AssumeRole&Action=Other'),
    new URLSearchParams(
      'Tags.member.2.Key=b&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Value=2&Tags.member.4.Key=gap' +
        '&TransitiveTagKeys.member.1=a&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FX&Empty=',
    ),
  );

  it('keeps the first value of a repeated name, across query and body', () => {
    expect(params.get('Action')).toBe('AssumeRole');
    expect(params.get('Missing')).toBeUndefined();
  });

  it('reads member lists in index order and stops at a gap', () => {
    expect(params.members('Tags').map((member) => Object.fromEntries(member))).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ]);
    expect(params.members('TransitiveTagKeys').map((member) => member.get(''))).toEqual(['a']);
    expect(params.members('PolicyArns')[0]?.get('arn')).toBe('arn:aws:iam::aws:policy/X');
  });

  it('treats `Name=` as an empty list', () => {
    expect(params.hasList('Empty')).toBe(true);
    expect(params.members('Empty')).toEqual([]);
    expect(params.hasList('Nothing')).toBe(false);
  });
});
