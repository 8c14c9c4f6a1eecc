import { evaluateTrustPolicy, type TrustPrincipal } from './evaluate-trust-policy';
import { parsePolicyDocument, type PolicyDocument } from './policy-document';

const USER: TrustPrincipal = {
  kind: 'aws',
  partition: 'aws',
  accountId: '111111111111',
  arns: ['arn:aws:iam::111111111111:user/broker'],
};
const ROLE_SESSION: TrustPrincipal = {
  kind: 'aws',
  partition: 'aws',
  accountId: '111111111111',
  arns: ['arn:aws:iam::111111111111:role/Hop', 'arn:aws:sts::111111111111:assumed-role/Hop/s'],
};

function policy(statements: unknown[]): PolicyDocument {
  const parsed = parsePolicyDocument({ Version: '2012-10-17', Statement: statements }, 'trust');
  if (!parsed.ok) {
    throw new Error(parsed.message);
  }
  return parsed.policy;
}

function allowed(
  document: PolicyDocument,
  principal: TrustPrincipal,
  actions = ['sts:AssumeRole'],
  context = {},
) {
  return evaluateTrustPolicy(document, { principal, actions, context }).allowed;
}

describe('evaluateTrustPolicy', () => {
  it.each([
    ['the account id', '111111111111', true],
    ['the account root', 'arn:aws:iam::111111111111:root', true],
    ['the user ARN', 'arn:aws:iam::111111111111:user/broker', true],
    ['another user', 'arn:aws:iam::111111111111:user/other', false],
    ['another account', '222222222222', false],
    ['a wildcard', '*', true],
  ])('matches a user against %s', (_name, principal, expected) => {
    expect(
      allowed(policy([{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }]), USER),
    ).toBe(expected);
  });

  it('matches a role session by its role ARN', () => {
    const document = policy([
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:role/Hop' }, Action: 'sts:*' },
    ]);
    expect(allowed(document, ROLE_SESSION)).toBe(true);
    expect(allowed(document, USER)).toBe(false);
  });

  it('matches Federated principals only by provider', () => {
    const document = policy([
      {
        Effect: 'Allow',
        Principal: { Federated: 'arn:aws:iam::1:oidc-provider/idp' },
        Action: 'sts:AssumeRoleWithWebIdentity',
      },
    ]);
    const federated: TrustPrincipal = { kind: 'federated', provider: 'arn:aws:iam::1:oidc-provider/idp' };
    expect(allowed(document, federated, ['sts:AssumeRoleWithWebIdentity'])).toBe(true);
    expect(allowed(document, federated, ['sts:AssumeRole'])).toBe(false);
    expect(
      allowed(document, { kind: 'federated', provider: 'arn:aws:iam::1:oidc-provider/other' }, [
        'sts:AssumeRoleWithWebIdentity',
      ]),
    ).toBe(false);
  });

  it('needs every requested action, and names the first one missing', () => {
    const document = policy([
      { Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
    ]);
    expect(
      evaluateTrustPolicy(document, {
        principal: USER,
        actions: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
        context: {},
      }),
    ).toEqual({ allowed: false, action: 'sts:SetSourceIdentity', explicitDeny: false });
  });

  it('lets an explicit deny beat an allow, and honours NotPrincipal and NotAction', () => {
    const document = policy([
      { Effect: 'Allow', Principal: '*', Action: 'sts:*' },
      {
        Effect: 'Deny',
        NotPrincipal: { AWS: 'arn:aws:iam::111111111111:user/broker' },
        Action: 'sts:AssumeRole',
      },
      { Effect: 'Deny', Principal: '*', NotAction: ['sts:AssumeRole', 'sts:TagSession'] },
    ]);
    expect(allowed(document, USER, ['sts:AssumeRole', 'sts:TagSession'])).toBe(true);
    expect(
      evaluateTrustPolicy(document, { principal: ROLE_SESSION, actions: ['sts:AssumeRole'], context: {} }),
    ).toEqual({
      allowed: false,
      action: 'sts:AssumeRole',
      explicitDeny: true,
    });
    expect(allowed(document, USER, ['sts:SetSourceIdentity'])).toBe(false);
  });

  it('ANDs conditions, with keys matched case-insensitively', () => {
    const document = policy([
      {
        Effect: 'Allow',
        Principal: { AWS: '111111111111' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': 'x1', 'aws:PrincipalTag/Team': 'platform' } },
      },
    ]);
    expect(
      allowed(document, USER, undefined, { 'sts:externalid': ['x1'], 'aws:principaltag/team': ['platform'] }),
    ).toBe(true);
    expect(allowed(document, USER, undefined, { 'sts:externalid': ['x1'] })).toBe(false);
  });
});
