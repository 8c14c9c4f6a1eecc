import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { denyOlderSessionsPolicy } from '@fedgate/issuance';
import { runCli } from '../program';
import { TokenStore } from '../session/token-store';
import {
  awsRoles,
  collectRole,
  isRevokeAnswer,
  noSourceIdentityNote,
  outcomeLines,
  parseBlockOption,
  parseReasonOption,
  policyInstructions,
  revocationSummary,
  revokeRequest,
  type RevokeAnswer,
  scopedPolicies,
} from './admin-revoke.command';

async function run(
  argv: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end();
  const code = await runCli(argv, {
    stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { code, stdout, stderr };
}

const ANSWER: RevokeAnswer = {
  user: 'bob',
  sessionsEnded: 2,
  tokensRevoked: 1,
  cachedCredentialsPurged: 3,
  issuedBefore: '2026-12-05T09:00:00.000Z',
  blockedUntil: '2026-12-05T09:30:00.000Z',
  roles: ['arn:aws:iam::111122223333:role/ops/fedgate-Developer'],
  sourceIdentities: ['bob'],
};

describe('fedgate admin revoke: options', () => {
  let home: string;
  let env: Record<string, string>;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'fedgate-revoke-'));
    env = { HOME: home, XDG_CONFIG_HOME: join(home, 'config') };
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('has help, naming every option and the exit codes, and --version', async () => {
    const help = await run(['admin', 'revoke', '--help'], env);
    expect(help.code).toBe(0);
    for (const option of ['--user <name>', '--connector <id>', '--block <duration>', '--reason <text>']) {
      expect(help.stdout).toContain(option);
    }
    expect(help.stdout).toContain('--aws-policy <mode>');
    expect(help.stdout).toContain('"print", "apply"');
    expect(help.stdout).toMatch(/"role",\s+"source-identity"/);
    expect(help.stdout).toContain(
      'named FedgateRevokeOlderSessions-<source identity>; none when it names none',
    );
    expect(help.stdout).toContain('--url <url>');
    expect(help.stdout).toContain('Exit codes');
    const version = await run(['admin', 'revoke', '--version'], env);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [['admin', 'revoke'], "required option '--user <name>' not specified"],
    [['admin', 'revoke', '--user', ' '], 'expected a username'],
    [['admin', 'revoke', '--user', 'bob', '--block', '8d'], 'expected a duration from 0 to 7d'],
    [['admin', 'revoke', '--user', 'bob', '--block', 'soon'], 'expected a duration from 0 to 7d'],
    [['admin', 'revoke', '--user', 'bob', '--reason', 'x'.repeat(201)], 'expected 1 to 200 characters'],
    [['admin', 'revoke', '--user', 'bob', '--reason', 'a\nb'], 'no control characters'],
    [['admin', 'revoke', '--user', 'bob', '--aws-policy', 'yes'], 'Allowed choices are print, apply'],
    [['admin', 'revoke', '--user', 'bob', '--aws-policy', 'print', '--aws-scope', 'user'], 'Allowed choices'],
  ])('refuses %j before asking the broker: %s', async (argv, message) => {
    const result = await run(argv, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });

  it('refuses --aws-scope and --role without --aws-policy, before asking the broker', async () => {
    for (const extra of [
      ['--aws-scope', 'role'],
      ['--role', 'arn:aws:iam::111122223333:role/fedgate-Admin'],
    ]) {
      const result = await run(['admin', 'revoke', '--user', 'bob', ...extra], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'fedgate: --aws-scope and --role need --aws-policy print or --aws-policy apply\n',
      );
    }
  });

  it('says to log in when there is no login, with exit code 1', async () => {
    const result = await run(
      ['admin', 'revoke', '--user', 'bob', '--url', 'https://fedgate.example.com'],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('run fedgate login --url https://fedgate.example.com');
  });

  it('says the broker cannot be reached, with exit code 1', async () => {
    await new TokenStore(env).put('http://127.0.0.1:9', {
      accessToken: 'at-1',
      refreshToken: 'rt-1',
      expiresAt: '2099-01-01T00:00:00.000Z',
    });
    const result = await run(['admin', 'revoke', '--user', 'bob', '--url', 'http://127.0.0.1:9'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot be reached');
    expect(result.stderr).not.toContain('at-1');
  });
});

describe('fedgate admin revoke: pieces', () => {
  it('parses --block from 0 to 7 days', () => {
    expect(parseBlockOption('0')).toBe(0);
    expect(parseBlockOption('30m')).toBe(1800);
    expect(parseBlockOption('2h')).toBe(7200);
    expect(parseBlockOption('7d')).toBe(604_800);
    for (const bad of ['7d1s', '-1', '1.5h', '']) {
      expect(() => parseBlockOption(bad)).toThrow('expected a duration from 0 to 7d');
    }
  });

  it('takes a reason of 1 to 200 characters without control characters', () => {
    expect(parseReasonOption('laptop stolen')).toBe('laptop stolen');
    expect(parseReasonOption('é'.repeat(200))).toHaveLength(200);
    expect(() => parseReasonOption('')).toThrow('expected 1 to 200');
    expect(() => parseReasonOption('tab\there')).toThrow('no control characters');
  });

  it('sends only the options given', () => {
    expect(revokeRequest({ user: 'bob' })).toEqual({ user: 'bob' });
    expect(revokeRequest({ user: 'bob', connector: 'ldap', block: 0, reason: 'left' })).toEqual({
      user: 'bob',
      connector: 'ldap',
      blockSeconds: 0,
      reason: 'left',
    });
  });

  it("acts on the answer's roles and those named with --role, each once", () => {
    const extra = ['arn:aws:iam::111122223333:role/fedgate-Admin', ANSWER.roles[0] ?? ''];
    expect(extra.reduce<string[]>((roles, role) => collectRole(role, roles), [])).toEqual(extra);
    expect(awsRoles(ANSWER, extra)).toEqual([
      ANSWER.roles[0],
      'arn:aws:iam::111122223333:role/fedgate-Admin',
    ]);
    expect(awsRoles({ ...ANSWER, roles: [] })).toEqual([]);
  });

  it('acts only on a complete answer', () => {
    expect(isRevokeAnswer(ANSWER)).toBe(true);
    expect(isRevokeAnswer({ ...ANSWER, blockedUntil: null, sourceIdentities: [] })).toBe(true);
    const { sourceIdentities: _identities, ...fromAnOlderBroker } = ANSWER;
    expect(isRevokeAnswer(fromAnOlderBroker)).toBe(true);
    expect(isRevokeAnswer({ ...ANSWER, sourceIdentities: 'bob' })).toBe(false);
    expect(isRevokeAnswer({ ...ANSWER, sourceIdentities: [null] })).toBe(false);
    expect(isRevokeAnswer({ ...ANSWER, issuedBefore: 'now' })).toBe(false);
    expect(isRevokeAnswer({ ...ANSWER, sessionsEnded: -1 })).toBe(false);
    expect(isRevokeAnswer({ ...ANSWER, roles: [1] })).toBe(false);
    const { roles: _roles, ...withoutRoles } = ANSWER;
    expect(isRevokeAnswer(withoutRoles)).toBe(false);
    expect(isRevokeAnswer([ANSWER])).toBe(false);
  });

  it('summarises what was ended', () => {
    expect(revocationSummary(ANSWER)).toBe(
      [
        'revoked bob',
        '  sessions ended             2',
        '  CLI tokens revoked         1',
        '  cached credentials purged  3',
        '  AWS sessions issued before 2026-12-05T09:00:00.000Z',
        '  issuance blocked until     2026-12-05T09:30:00.000Z',
        '  roles                      arn:aws:iam::111122223333:role/ops/fedgate-Developer',
        '  source identities          bob',
        '',
      ].join('\n'),
    );
    expect(revocationSummary({ ...ANSWER, blockedUntil: null, roles: [], sourceIdentities: [] })).toContain(
      'issuance blocked until     not blocked\n  roles                      none\n  source identities          none\n',
    );
  });

  it('prints the policy and one put-role-policy command per role, skipping what is no role', () => {
    const policy = denyOlderSessionsPolicy(ANSWER.issuedBefore);
    const text = policyInstructions(policy, [...ANSWER.roles, 'arn:aws:iam::111122223333:user/bob']);
    expect(text).toContain(
      '# FedgateRevokeOlderSessions: denies every session of the role issued before 2026-12-05T09:00:00.000Z\n',
    );
    expect(text).toContain(
      "aws iam put-role-policy --role-name fedgate-Developer --policy-name FedgateRevokeOlderSessions --policy-document '" +
        '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*",' +
        '"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-12-05T09:00:00.000Z"}}}]}' +
        "'\n",
    );
    expect(text).toContain('(run with credentials of account 111122223333)');
    expect(text).toContain('# skipped: "arn:aws:iam::111122223333:user/bob" is not an IAM role ARN');
    const scoped = policyInstructions(denyOlderSessionsPolicy(ANSWER.issuedBefore, 'bob'), ANSWER.roles);
    expect(scoped).toContain('# FedgateRevokeOlderSessions-bob: denies every session of bob issued before');
  });

  it('reports each role of an apply', () => {
    const policy = denyOlderSessionsPolicy(ANSWER.issuedBefore);
    expect(
      outcomeLines(policy, [
        { roleArn: 'arn:aws:iam::1:role/A', status: 'applied', roleName: 'A', accountId: '1' },
        { roleArn: 'arn:aws:iam::1:role/B', status: 'failed', reason: 'NoSuchEntity: no B' },
      ]),
    ).toBe(
      'applied FedgateRevokeOlderSessions to arn:aws:iam::1:role/A\nfailed arn:aws:iam::1:role/B: NoSuchEntity: no B\n',
    );
    expect(outcomeLines(policy, [])).toBe(
      'no roles to put FedgateRevokeOlderSessions on: name them with --role\n',
    );
  });
});

describe('fedgate admin revoke: the policies of each scope', () => {
  const answer: RevokeAnswer = { ...ANSWER, sourceIdentities: ['alice', 'bob.4f2a91c0', 'alice'] };

  it('builds one role-wide policy for --aws-scope role, whatever source identities the answer names', () => {
    const policies = scopedPolicies(answer, 'role');
    expect(policies).toEqual([{ ok: true, policy: denyOlderSessionsPolicy(answer.issuedBefore) }]);
  });

  it('builds one policy per source identity, each named after it, denying only its sessions older than the instant', () => {
    const policies = scopedPolicies(answer, 'source-identity');
    expect(policies.map((scoped) => (scoped.ok ? scoped.policy.policyName : scoped.problem))).toEqual([
      'FedgateRevokeOlderSessions-alice',
      'FedgateRevokeOlderSessions-bob.4f2a91c0',
    ]);
    const [first] = policies;
    expect(first?.ok === true ? first.policy.document : undefined).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: {
            DateLessThan: { 'aws:TokenIssueTime': '2026-12-05T09:00:00.000Z' },
            StringEquals: { 'aws:SourceIdentity': 'alice' },
          },
        },
      ],
    });
  });

  it("keeps each name in IAM's policy-name characters and length, for the longest source identity", () => {
    const longest = `${'a'.repeat(32)}_+=,.@-${'9'.repeat(25)}`;
    expect(longest).toHaveLength(64);
    const [scoped] = scopedPolicies({ ...answer, sourceIdentities: [longest] }, 'source-identity');
    const name = scoped?.ok === true ? scoped.policy.policyName : '';
    expect(name).toBe(`FedgateRevokeOlderSessions-${longest}`);
    expect(name).toMatch(/^[\w+=,.@-]{1,128}$/);
  });

  it('builds no policy from a source identity AWS would not have accepted, saying why, and the others still', () => {
    const policies = scopedPolicies(
      { ...answer, sourceIdentities: ['alice smith', 'x', 'bob', 'é'.repeat(3)] },
      'source-identity',
    );
    expect(policies.map((scoped) => [scoped.sourceIdentity, scoped.ok])).toEqual([
      ['alice smith', false],
      ['x', false],
      ['bob', true],
      ['ééé', false],
    ]);
    const [refused] = policies;
    expect(refused?.ok === false ? refused.problem : '').toContain('is not one AWS accepts');
  });

  it('builds none when the answer names no source identity, and says so', () => {
    expect(scopedPolicies({ ...answer, sourceIdentities: [] }, 'source-identity')).toEqual([]);
    expect(noSourceIdentityNote({ ...answer, sourceIdentities: [] })).toBe(
      "the broker's answer names no source identity for bob: it knows of no credentials issued to them " +
        'with a SourceIdentity that may still be valid, so no policy was printed or applied',
    );
    const { sourceIdentities: _identities, ...fromAnOlderBroker } = answer;
    expect(scopedPolicies(fromAnOlderBroker, 'source-identity')).toEqual([]);
    expect(noSourceIdentityNote(fromAnOlderBroker)).toContain('the broker is older than this command');
  });
});
