import { formatPath } from '@fedgate/config';
import { checkConnectorReferences } from './cross-stage-checks';

function check(data: unknown): string[] {
  return checkConnectorReferences(data).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

describe('checkConnectorReferences', () => {
  it('accepts connectors that are unique and configured wherever they are named', () => {
    expect(
      check({
        connectors: [{ id: 'corp' }, { id: 'github' }],
        assignments: [{ match: { connectors: ['corp'] } }],
        admins: { users: ['github:1', 'no-colon'], connectors: ['corp'] },
      }),
    ).toEqual([]);
  });

  it('finds duplicate connector ids and connectors named but not configured', () => {
    expect(
      check({
        connectors: [{ id: 'corp' }, { id: 'corp' }, { id: 'Corp' }, { id: 'github' }],
        assignments: [{ match: { connectors: ['corp', 'okta'] } }, { match: 'x' }],
        admins: { users: ['okta:1'], connectors: ['GitHub'] },
      }),
    ).toEqual([
      'connectors[1].id: duplicates connectors[0].id ("corp")',
      'assignments[0].match.connectors[1]: unknown connector "okta" (known: corp, corp, Corp, github)',
      'admins.users[0]: unknown connector "okta" (known: corp, corp, Corp, github)',
      'admins.connectors[0]: unknown connector "GitHub" (did you mean "github"? names are case-sensitive)',
    ]);
  });

  it('never throws on malformed data', () => {
    for (const data of [null, 'text', [], { connectors: 'x', admins: [1], assignments: [null] }]) {
      expect(check(data)).toEqual([]);
    }
  });
});
