import { checkCrossReferences } from './cross-references';
import { formatPath } from './issues';

function check(data: unknown): string[] {
  return checkCrossReferences(data).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

const base = {
  connectors: [{ id: 'corp' }, { id: 'github' }],
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

describe('checkCrossReferences', () => {
  it('accepts consistent data', () => {
    expect(check(base)).toEqual([]);
  });

  it('finds duplicate ids exactly and names case-insensitively', () => {
    expect(
      check({
        ...base,
        connectors: [{ id: 'corp' }, { id: 'corp' }, { id: 'Corp' }],
        backends: [{ id: 'aws' }, { id: 'aws' }],
        accounts: [
          { id: '111111111111', name: 'prod', backend: 'aws' },
          { id: '111111111111', name: 'Prod', backend: 'aws' },
        ],
        permissionSets: [{ name: 'ReadOnly' }, { name: 'readonly' }, { name: 'Developer' }],
        assignments: [],
      }),
    ).toEqual([
      'connectors[1].id: duplicates connectors[0].id ("corp")',
      'backends[1].id: duplicates backends[0].id ("aws")',
      'accounts[1].id: duplicates accounts[0].id ("111111111111")',
      'accounts[1].name: duplicates accounts[0].name ("Prod"; names are case-insensitive)',
      'permissionSets[1].name: duplicates permissionSets[0].name ("readonly"; names are case-insensitive)',
    ]);
  });

  it('finds names that are used but not defined', () => {
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
      }),
    ).toEqual([
      'accounts[2].backend: unknown backend "gcp" (known: aws)',
      'assignments[0].match.connectors[1]: unknown connector "okta" (known: corp, github)',
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

  it('rejects an empty Redis key prefix', () => {
    expect(check({ ...base, store: { type: 'redis', keyPrefix: '' } })).toEqual([
      'store.keyPrefix: must not be empty (fedgate keys would mix with other data in the database)',
    ]);
    expect(check({ ...base, store: { type: 'redis' } })).toEqual([]);
  });

  it('skips what the schema reports and never throws on malformed data', () => {
    for (const data of [
      null,
      'text',
      [],
      { connectors: 'x', accounts: [null, 5, { id: 7 }], assignments: [{ match: 3 }] },
    ]) {
      expect(check(data)).toEqual([]);
    }
    expect(check({ ...base, permissionSets: [], assignments: [{ permissionSets: ['X', 5] }] })).toEqual([
      'assignments[0].permissionSets[0]: unknown permission set "X" (none are configured)',
    ]);
  });
});
