import { checkPolicyDocument, policyCharacters, policyTextProblem, serializePolicy } from './policy-document';

const VALID = {
  Version: '2012-10-17',
  Id: 'x',
  Statement: [
    {
      Sid: 'Read',
      Effect: 'Allow',
      Action: ['s3:Get*', 's3:List*'],
      Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'],
    },
    {
      Effect: 'Deny',
      NotAction: 'iam:*',
      NotResource: '*',
      Condition: { Bool: { 'aws:SecureTransport': false } },
    },
  ],
};

describe('checkPolicyDocument', () => {
  it('accepts a valid session policy document', () => {
    expect(checkPolicyDocument(VALID)).toEqual([]);
    expect(
      checkPolicyDocument({
        Version: '2008-10-17',
        Statement: { Effect: 'Allow', Action: '*', Resource: '*' },
      }),
    ).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['a list', [], 'must be an IAM policy document (a mapping with Version and Statement)'],
    ['no Version', { Statement: VALID.Statement }, 'Version: is required: "2012-10-17"'],
    [
      'another Version',
      { ...VALID, Version: '2012-10-18' },
      'Version: must be "2012-10-17" (or the legacy "2008-10-17"); quote it in YAML',
    ],
    ['no Statement', { Version: '2012-10-17' }, 'Statement: is required'],
    [
      'an empty Statement',
      { Version: '2012-10-17', Statement: [] },
      'Statement: must list at least one statement',
    ],
    [
      'an unknown key',
      { ...VALID, Extra: 1 },
      'Extra: unknown policy key (Version, Id and Statement are allowed)',
    ],
    [
      'a statement without Effect',
      { Version: '2012-10-17', Statement: { Action: '*', Resource: '*' } },
      'Statement.Effect: is required (Allow or Deny)',
    ],
    [
      'a statement without Resource',
      { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*' } },
      'Statement: needs Resource (or NotResource)',
    ],
    [
      'a bad Sid',
      { Version: '2012-10-17', Statement: { Sid: 'a-b', Effect: 'Allow', Action: '*', Resource: '*' } },
      'Statement.Sid: must be letters and digits only',
    ],
    [
      'a non-string action',
      { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: [1], Resource: '*' } },
      'Statement.Action[0]: must be a string',
    ],
    [
      'NotPrincipal',
      { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*', NotPrincipal: {} } },
      'Statement.NotPrincipal: is not allowed: a session policy applies to the session itself',
    ],
  ])('refuses %s', (_name, document, problem) => {
    const found = checkPolicyDocument(document).map(
      (p) =>
        `${p.path
          .map(String)
          .join('.')
          .replace(/\.(\d+)/g, '[$1]')}${p.path.length > 0 ? ': ' : ''}${p.message}`,
    );
    expect(found).toContain(problem);
  });
});

describe('policy text', () => {
  it('is compact JSON, counted with the managed ARNs as AWS counts it', () => {
    const text = serializePolicy(VALID);
    expect(text).not.toMatch(/\s/);
    expect(policyCharacters(text, ['arn:aws:iam::aws:policy/ReadOnlyAccess'])).toBe(text.length + 38);
    expect(policyCharacters(undefined, [])).toBe(0);
    expect(policyTextProblem(text, [])).toBeUndefined();
    expect(policyTextProblem('x'.repeat(2048), [])).toBeUndefined();
    expect(policyTextProblem('x'.repeat(2048), ['a'])).toBe(
      'inline policy plus managed policy ARNs is 2049 characters; AWS allows 2048',
    );
    expect(policyTextProblem('{"a":"\u00ff\t\r\n"}', [])).toBeUndefined();
    expect(policyTextProblem('{"a":"\u0100"}', [])).toBe(
      'has the character U+0100; AWS allows only tab, LF, CR and U+0020–U+00FF in session policies',
    );
  });
});
