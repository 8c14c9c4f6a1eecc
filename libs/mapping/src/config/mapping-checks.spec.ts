import { formatPath } from '@fedgate/config';
import { checkMappingSections } from './mapping-checks';

function check(data: unknown): string[] {
  return checkMappingSections(data).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

const base = {
  backends: [{ id: 'aws' }],
  accounts: [
    { id: '111111111111', name: 'prod', backend: 'aws' },
    { id: '222222222222', name: 'dev', backend: 'aws' },
  ],
  permissionSets: [{ name: 'ReadOnly' }, { name: 'Developer' }],
  assignments: [
    { match: { connectors: ['corp'] }, accounts: ['prod', '222222222222'], permissionSets: ['ReadOnly'] },
  ],
};

describe('checkMappingSections', () => {
  it('accepts consistent data', () => {
    expect(check(base)).toEqual([]);
  });

  it('finds duplicate ids exactly and names case-insensitively', () => {
    expect(
      check({
        ...base,
        backends: [{ id: 'aws' }, { id: 'aws' }],
        accounts: [
          { id: '111111111111', name: 'prod', backend: 'aws' },
          { id: '111111111111', name: 'Prod', backend: 'aws' },
        ],
        permissionSets: [{ name: 'ReadOnly' }, { name: 'readonly' }, { name: 'Developer' }],
        assignments: [],
      }),
    ).toEqual([
      'backends[1].id: duplicates backends[0].id ("aws")',
      'accounts[1].id: duplicates accounts[0].id ("111111111111")',
      'accounts[1].name: duplicates accounts[0].name ("Prod"; names are case-insensitive)',
      'permissionSets[1].name: duplicates permissionSets[0].name ("readonly"; names are case-insensitive)',
    ]);
  });

  it('finds names that are used but not defined, leaving connectors to the composer', () => {
    expect(
      check({
        ...base,
        accounts: [...base.accounts, { id: '333333333333', name: 'stage', backend: 'gcp' }],
        assignments: [
          {
            match: { connectors: ['corp', 'okta'] },
            accounts: ['prod', 'Dev', '999999999999'],
            permissionSets: ['ReadOnly', 'Admn'],
          },
        ],
        admins: { users: ['okta:1'], connectors: ['okta'] },
      }),
    ).toEqual([
      'accounts[2].backend: unknown backend "gcp" (known: aws)',
      'assignments[0].accounts[1]: unknown account "Dev" (did you mean "dev"? names are case-sensitive)',
      'assignments[0].accounts[2]: unknown account "999999999999" (known: prod (111111111111), dev (222222222222), stage (333333333333))',
      'assignments[0].permissionSets[1]: unknown permission set "Admn" (known: ReadOnly, Developer)',
    ]);
  });

  it('rejects an account name that is another account id', () => {
    expect(
      check({
        ...base,
        accounts: [
          { id: '111111111111', name: '222222222222', backend: 'aws' },
          { id: '222222222222', name: 'dev', backend: 'aws' },
        ],
        assignments: [],
      }),
    ).toEqual(['accounts[0].name: is the id of accounts[1]; assignments could not tell the two apart']);
  });

  it('checks granted ARNs against the partition and account of every account they are granted in', () => {
    expect(
      check({
        backends: [{ id: 'cn', partition: 'aws-cn' }],
        accounts: [{ id: '111111111111', name: 'china', backend: 'cn' }],
        permissionSets: [
          {
            name: 'P',
            roleArn: 'arn:aws:iam::{{accountId}}:role/x',
            managedPolicyArns: [
              'arn:{{partition}}:iam::222222222222:policy/p',
              'arn:aws-cn:iam::aws:policy/R',
            ],
          },
        ],
        assignments: [{ match: { mfa: true }, accounts: ['*'], permissionSets: ['P'] }],
      }),
    ).toEqual([
      'permissionSets[0].roleArn: is in partition aws, but assignments[0] grants it in account china (111111111111, partition aws-cn)',
      'permissionSets[0].managedPolicyArns[0]: is in account 222222222222, but assignments[0] grants it in account china (111111111111, partition aws-cn)',
    ]);
  });

  it('points a reference at the entry it names when that entry is itself invalid', () => {
    expect(
      check({
        ...base,
        backends: [{ id: 7 }],
        accounts: [{ id: 111111111111, name: 'demo', backend: '7' }],
        permissionSets: [{ name: 2024 }],
        assignments: [{ match: { mfa: true }, accounts: ['111111111111', 'dmeo'], permissionSets: ['2024'] }],
      }),
    ).toEqual([
      'accounts[0].backend: backend "7" is backends[0], which is invalid: see the errors reported for it',
      'assignments[0].accounts[0]: account "111111111111" is accounts[0], which is invalid: see the errors reported for it',
      // A typo is still unknown, and the invalid account is listed among the candidates.
      'assignments[0].accounts[1]: unknown account "dmeo" (known: demo (accounts[0], invalid))',
      'assignments[0].permissionSets[0]: permission set "2024" is permissionSets[0], which is invalid: see the errors reported for it',
    ]);
  });

  it('skips what the schema reports and never throws on malformed data', () => {
    for (const data of [
      null,
      'text',
      [],
      { connectors: 'x', accounts: [null, 5, { id: 7 }], assignments: [{ match: 3 }] },
      { backends: [{ id: 'b', partition: 'aws-iso' }], accounts: [{ id: '1', backend: 'b' }] },
    ]) {
      expect(check(data)).toEqual([]);
    }
    expect(check({ ...base, permissionSets: [], assignments: [{ permissionSets: ['X', 5] }] })).toEqual([
      'assignments[0].permissionSets[0]: unknown permission set "X" (none are configured)',
    ]);
  });
});
