import { parsePolicyDocument } from './policy-document';

const allow = { Effect: 'Allow', Principal: { AWS: '123456789012' }, Action: 'sts:AssumeRole' };

describe('parsePolicyDocument', () => {
  it('parses JSON text and objects, single statements and lists', () => {
    const fromText = parsePolicyDocument(
      JSON.stringify({ Version: '2012-10-17', Statement: allow }),
      'trust',
    );
    const fromObject = parsePolicyDocument({ Statement: [allow] }, 'trust');
    expect(fromText).toEqual(fromObject);
    expect(fromText).toEqual({
      ok: true,
      policy: {
        statements: [
          {
            effect: 'Allow',
            principal: { any: false, aws: ['123456789012'], federated: [], service: [] },
            actions: ['sts:AssumeRole'],
            conditions: [],
          },
        ],
      },
    });
  });

  it('lower-cases condition keys and stringifies values', () => {
    const parsed = parsePolicyDocument(
      { Statement: { ...allow, Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 } } } },
      'trust',
    );
    expect(parsed.ok && parsed.policy.statements[0]?.conditions[0]).toMatchObject({
      key: 'aws:multifactorauthage',
      values: ['3600'],
    });
  });

  it.each<[string, unknown, string]>([
    ['not JSON', '{"Statement":', 'Syntax errors in policy.'],
    ['an array', [], 'a policy must be a JSON object'],
    [
      'a bad version',
      { Version: '2020-01-01', Statement: allow },
      'The policy must contain a valid version string',
    ],
    ['no statement', { Version: '2012-10-17' }, 'the policy has no Statement'],
    ['a bad effect', { Statement: { ...allow, Effect: 'Maybe' } }, 'Effect must be Allow or Deny'],
    ['a Resource', { Statement: { ...allow, Resource: '*' } }, 'Has prohibited field Resource'],
    [
      'no principal',
      { Statement: { Effect: 'Allow', Action: 'sts:AssumeRole' } },
      'exactly one of Principal',
    ],
    [
      'an unknown operator',
      { Statement: { ...allow, Condition: { StringEqual: { a: 'b' } } } },
      'Invalid Condition type',
    ],
    ['an unknown principal kind', { Statement: { ...allow, Principal: { Robot: 'x' } } }, 'unknown kind'],
    ['an unknown field', { Statement: { ...allow, Extra: 1 } }, 'unknown field Extra'],
    [
      'object condition values',
      { Statement: { ...allow, Condition: { Bool: { a: { b: 1 } } } } },
      'list of values',
    ],
  ])('rejects a trust policy with %s', (_name, input, message) => {
    const parsed = parsePolicyDocument(input, 'trust');
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toContain(message);
  });

  it('requires Resource and forbids Principal in session policies', () => {
    expect(
      parsePolicyDocument({ Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' } }, 'session').ok,
    ).toBe(true);
    expect(parsePolicyDocument({ Statement: allow }, 'session')).toEqual({
      ok: false,
      message: 'Policy document should not specify a principal.',
    });
    expect(parsePolicyDocument({ Statement: { Effect: 'Allow', Action: 's3:*' } }, 'session').ok).toBe(false);
  });
});
