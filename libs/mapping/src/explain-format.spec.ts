import { identity, mappingConfig, NOW } from '../../../test/mapping/config-fixture';
import { evaluate } from './evaluate';
import { formatExplanation } from './explain-format';

const config = mappingConfig(`
backends:
  - { id: aws, type: sts }
  - { id: users, type: sts, mode: federation-token }
accounts:
  - { id: "111111111111", name: prod, backend: aws }
  - { id: "222222222222", name: legacy, backend: users }
permissionSets:
  - { name: Admin, roleName: fedgate-Admin }
  - { name: ReadOnly, roleName: fedgate-ReadOnly, mode: web-identity }
  - name: Billing
    managedPolicyArns: [arn:aws:iam::aws:policy/job-function/Billing]
assignments:
  - { match: { groups: [ops] }, accounts: [prod], permissionSets: [Admin, ReadOnly] }
  - { match: { groups: [ops] }, accounts: [legacy], permissionSets: [Billing] }
`);

function callLines(): string[] {
  const alice = identity({ groups: ['ops'] });
  const report = formatExplanation(alice, evaluate(alice, config, { now: NOW }));
  return report
    .split('\n')
    .filter((line) => /^ {4}(AssumeRole|GetFederationToken|RoleSessionName)/.test(line))
    .map((line) => line.trim());
}

describe('formatExplanation', () => {
  it('names the STS call each entitlement is issued with, as AWS names it', () => {
    expect(callLines()).toEqual([
      expect.stringMatching(/^GetFederationToken as alice\.[0-9a-f]{8}$/),
      'AssumeRole arn:aws:iam::111111111111:role/fedgate-Admin',
      expect.stringMatching(/^RoleSessionName alice\.[0-9a-f]{8}; SourceIdentity alice$/),
      'AssumeRoleWithWebIdentity arn:aws:iam::111111111111:role/fedgate-ReadOnly (with a token fedgate signs)',
      expect.stringMatching(/^RoleSessionName alice\.[0-9a-f]{8}; SourceIdentity alice$/),
    ]);
  });
});
