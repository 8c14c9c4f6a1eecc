import { ConfigError } from '@fedgate/config';
import { parseStsLocalConfig } from './load-sts-local-config';

function issuesOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseStsLocalConfig(text, { env, baseDir: __dirname });
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    }
    throw error;
  }
  return [];
}

describe('parseStsLocalConfig', () => {
  it('lists every problem with its path', () => {
    const issues = issuesOf(`
accounts:
  - id: 12345
    users:
      - { name: a, accessKeyId: AKIAAAAAAAAAAAAAAAAA, secretAccessKey: '\${env:MISSING}' }
      - { name: b, accessKeyId: ASIA0000000000000000, secretAccessKey: short }
    roles:
      - { name: r, maxSessionDuration: 13h, trustPolicy: { Statement: { Effect: Allow, Action: x } } }
`);
    expect(issues).toEqual(
      expect.arrayContaining([
        'accounts[0].users[0].secretAccessKey: environment variable MISSING is not set',
        expect.stringMatching(/^accounts\[0\]\.id: /),
        expect.stringMatching(/^accounts\[0\]\.users\[1\]\.accessKeyId: must be AKIA/),
        expect.stringMatching(/^accounts\[0\]\.users\[1\]\.secretAccessKey: /),
        expect.stringMatching(
          /^accounts\[0\]\.roles\[0\]\.maxSessionDuration: must be a duration between 3600 and 43200/,
        ),
      ]),
    );
  });

  it('reports trust policies that do not parse and keys used twice, never echoing a secret', () => {
    const secret = 'a-very-secret-value-1234567890';
    const issues = issuesOf(
      `
accounts:
  - id: '111111111111'
    users:
      - { name: a, accessKeyId: AKIAAAAAAAAAAAAAAAAA, secretAccessKey: '\${env:SECRET}' }
      - { name: b, accessKeyId: AKIAAAAAAAAAAAAAAAAA, secretAccessKey: '\${env:SECRET}' }
    roles:
      - { name: r, trustPolicy: '{"Statement":' }
`,
      { SECRET: secret },
    );
    expect(issues).toEqual([
      'accounts[0].users[1].accessKeyId: is used by another user',
      'accounts[0].roles[0].trustPolicy: Syntax errors in policy.',
    ]);
    expect(issues.join('\n')).not.toContain(secret);
  });

  it('rejects duplicate YAML keys and unknown keys', () => {
    expect(issuesOf('accounts: []\naccounts: []\n')).toHaveLength(1);
    expect(issuesOf("accounts: [{ id: '111111111111' }]\nextra: 1\n")).toEqual([
      expect.stringMatching(/extra|root/),
    ]);
  });
});
