import { join } from 'node:path';
import { ConfigError, loadConfig } from '@fedgate/config';
import { loadStsLocalConfig, parseStsLocalConfig } from './load-sts-local-config';

const ROOT = join(__dirname, '..', '..', '..', '..');

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

describe('the demo configs', () => {
  it('lets the broker of config/demo.yaml assume every role its permission sets name', () => {
    const sts = loadStsLocalConfig(join(ROOT, 'config', 'sts-local.demo.yaml'), {});
    const broker = loadConfig(join(ROOT, 'config', 'demo.yaml'), { env: {} });
    const backend = broker.backends.find((candidate) => candidate.id === 'local');
    expect(backend?.endpoint).toBe(`http://${sts.server.host}:${sts.server.port}`);
    const account = sts.accounts.find((candidate) => candidate.id === '123456789012');
    const user = account?.users.find(
      (candidate) => candidate.accessKeyId === backend?.credentials?.accessKeyId,
    );
    expect(user?.secretAccessKey).toBe(backend?.credentials?.secretAccessKey);
    const roleNames = account?.roles.map((role) => role.name);
    for (const permissionSet of broker.permissionSets) {
      expect(roleNames).toContain(permissionSet.roleName);
    }
  });
});
