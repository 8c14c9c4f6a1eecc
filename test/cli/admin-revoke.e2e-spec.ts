/**
 * `fedgate admin revoke` end to end: the demo broker, the built `fedgate`
 * bin and moto_server's IAM. An admin's login revokes bob: the summary is
 * printed, bob's CLI login then fails, and `--aws-policy apply` puts the
 * deny-older-sessions policy on bob's roles with the admin's own AWS
 * credentials (moto's), read back with GetRolePolicy; `--aws-scope
 * source-identity` puts one per source identity the broker's answer names,
 * and nothing when it names none. A non-admin is refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { startMoto, type MotoServer } from '../harness/moto';
import { fedgate, startCliDemo, type CliDemo } from './cli-fixture';
import { loginAs } from './cli-login';

const PASSWORD = 'fedgate-demo';
const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' },
  ],
});

let demo: CliDemo;
let moto: MotoServer;
let iam: IAMClient;
/** Each user a home of their own: alice, an admin; bob, a developer. */
const envs: Record<'alice' | 'bob', Record<string, string>> = { alice: {}, bob: {} };

function homeOf(name: string): Record<string, string> {
  return {
    ...demo.env,
    XDG_CONFIG_HOME: join(demo.home, `${name}-config`),
    XDG_CACHE_HOME: join(demo.home, `${name}-cache`),
  };
}

beforeAll(async () => {
  moto = await startMoto();
  demo = await startCliDemo('cli-admin-revoke');
  iam = new IAMClient({
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  // The demo's Developer and ReadOnly roles, which bob's entitlements name; Admin is left out.
  for (const roleName of ['fedgate-Developer', 'fedgate-ReadOnly']) {
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: TRUST_POLICY }));
  }
  // The admin's own AWS credentials (moto's) and IAM endpoint; the broker never sees them.
  envs.alice = {
    ...homeOf('alice'),
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_ENDPOINT_URL_IAM: moto.url,
  };
  envs.bob = homeOf('bob');
  await loginAs(demo, 'alice', PASSWORD, envs.alice);
  await loginAs(demo, 'bob', PASSWORD, envs.bob);
}, 180_000);

afterAll(async () => {
  iam.destroy();
  await demo.stop();
  await moto.stop();
});

it('refuses a user who is no admin, saying who may revoke, and ends nothing', async () => {
  const refused = await fedgate(demo, ['admin', 'revoke', '--user', 'alice'], envs.bob);
  expect(refused.code).toBe(1);
  expect(refused.stdout).toBe('');
  expect(refused.stderr).toContain('(not_entitled)');
  expect(refused.stderr).toContain("revoking needs the login of one of the broker's admins");
  expect((await fedgate(demo, ['whoami'], envs.alice)).code).toBe(0);
});

// The roles in an answer are those of the sessions and logins it ended, so bob logs in again before each.
it('without --aws-policy, says older AWS credentials stay valid; --aws-policy print --json adds the policy', async () => {
  const plain = await fedgate(demo, ['admin', 'revoke', '--user', 'bob'], envs.alice);
  expect(plain.stderr).toBe('');
  expect(plain.code).toBe(0);
  expect(plain.stdout).toMatch(/^revoked bob\n/);
  expect(plain.stdout).toContain('  issuance blocked until     not blocked\n');
  expect(plain.stdout).toContain(
    'AWS credentials issued already stay valid until they expire: --aws-policy print or apply denies them\n',
  );

  await loginAs(demo, 'bob', PASSWORD, envs.bob);
  const printed = await fedgate(
    demo,
    ['admin', 'revoke', '--user', 'bob', '--aws-policy', 'print', '--json'],
    envs.alice,
  );
  expect(printed.stderr).toBe('');
  expect(printed.code).toBe(0);
  const answer = JSON.parse(printed.stdout) as {
    user: string;
    blockedUntil: string | null;
    issuedBefore: string;
    roles: string[];
    aws: { policyName: string; policy: unknown; roles: string[] };
  };
  expect(answer.user).toBe('bob');
  expect(answer.roles).toEqual(
    expect.arrayContaining([
      'arn:aws:iam::123456789012:role/fedgate-Developer',
      'arn:aws:iam::123456789012:role/fedgate-ReadOnly',
    ]),
  );
  expect(answer.aws.policyName).toBe('FedgateRevokeOlderSessions');
  expect(answer.aws.roles).toEqual(answer.roles);
  expect(JSON.stringify(answer.aws.policy)).toContain(`"aws:TokenIssueTime":"${answer.issuedBefore}"`);

  await loginAs(demo, 'bob', PASSWORD, envs.bob);
  const text = await fedgate(demo, ['admin', 'revoke', '--user', 'bob', '--aws-policy', 'print'], envs.alice);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(
    /^aws iam put-role-policy --role-name fedgate-Developer --policy-name FedgateRevokeOlderSessions --policy-document '\{.*\}'$/m,
  );
});

/** The deny-older-sessions document a role holds under that name, as IAM answers it. */
async function storedPolicy(roleName: string, policyName: string): Promise<unknown> {
  const stored = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
  return JSON.parse(decodeURIComponent(stored.PolicyDocument ?? '')) as unknown;
}

function bobsOlderSessions(issuedBefore: string): unknown {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: {
          DateLessThan: { 'aws:TokenIssueTime': new Date(issuedBefore).toISOString() },
          StringEquals: { 'aws:SourceIdentity': 'bob' },
        },
      },
    ],
  };
}

it("--aws-scope source-identity prints and applies one policy per source identity of the answer, on bob's roles", async () => {
  await loginAs(demo, 'bob', PASSWORD, envs.bob);
  const printed = await fedgate(
    demo,
    ['admin', 'revoke', '--user', 'bob', '--aws-policy', 'print', '--aws-scope', 'source-identity', '--json'],
    envs.alice,
  );
  expect(printed.stderr).toBe('');
  expect(printed.code).toBe(0);
  const answer = JSON.parse(printed.stdout) as {
    issuedBefore: string;
    roles: string[];
    sourceIdentities: string[];
    aws: {
      scope: string;
      roles: string[];
      policies: { sourceIdentity: string; policyName: string; policy: unknown }[];
    };
  };
  expect(answer.sourceIdentities).toEqual(['bob']);
  expect(answer.aws.scope).toBe('source-identity');
  expect(answer.aws.roles).toEqual(answer.roles);
  expect(answer.aws.policies).toEqual([
    {
      sourceIdentity: 'bob',
      policyName: 'FedgateRevokeOlderSessions-bob',
      policy: bobsOlderSessions(answer.issuedBefore),
    },
  ]);
  // Printing puts nothing on a role.
  for (const role of ['fedgate-Developer', 'fedgate-ReadOnly']) {
    const listed = await iam.send(new ListRolePoliciesCommand({ RoleName: role }));
    expect(listed.PolicyNames ?? []).not.toContain('FedgateRevokeOlderSessions-bob');
  }

  let previous = '';
  for (const round of [1, 2]) {
    await loginAs(demo, 'bob', PASSWORD, envs.bob);
    const applied = await fedgate(
      demo,
      ['admin', 'revoke', '--user', 'bob', '--aws-policy', 'apply', '--aws-scope', 'source-identity'],
      envs.alice,
    );
    expect(applied.stderr).not.toContain('fedgate:');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/^revoked bob\n/);
    expect(applied.stdout).toContain('  source identities          bob\n');
    const issuedBefore = /^ {2}AWS sessions issued before (\S+)$/m.exec(applied.stdout)?.[1] ?? '';
    for (const role of ['fedgate-Developer', 'fedgate-ReadOnly']) {
      expect(applied.stdout).toContain(
        `applied FedgateRevokeOlderSessions-bob to arn:aws:iam::123456789012:role/${role}\n`,
      );
      expect(await storedPolicy(role, 'FedgateRevokeOlderSessions-bob')).toEqual(
        bobsOlderSessions(issuedBefore),
      );
    }
    // A later revocation moves the instant forward.
    expect(round === 1 || Date.parse(issuedBefore) > Date.parse(previous)).toBe(true);
    previous = issuedBefore;
  }
  // The role-wide policy is not touched by the source identity's.
  const listed = await iam.send(new ListRolePoliciesCommand({ RoleName: 'fedgate-Developer' }));
  expect(listed.PolicyNames ?? []).toEqual(['FedgateRevokeOlderSessions-bob']);
});

it("revokes bob: the summary, bob's CLI login ends, and the policy is on bob's roles", async () => {
  await loginAs(demo, 'bob', PASSWORD, envs.bob);
  expect((await fedgate(demo, ['whoami'], envs.bob)).code).toBe(0);

  const revoked = await fedgate(
    demo,
    [
      'admin',
      'revoke',
      '--user',
      'bob',
      '--block',
      '30m',
      '--reason',
      'laptop stolen',
      '--aws-policy',
      'apply',
    ],
    envs.alice,
  );
  const aliceTokens = JSON.parse(
    readFileSync(join(envs.alice.XDG_CONFIG_HOME ?? '', 'fedgate', 'tokens.json'), 'utf8'),
  ) as { brokers: Record<string, { accessToken: string; refreshToken: string }> };
  for (const { accessToken, refreshToken } of Object.values(aliceTokens.brokers)) {
    expect(revoked.stdout + revoked.stderr).not.toContain(accessToken);
    expect(revoked.stdout + revoked.stderr).not.toContain(refreshToken);
  }
  // No error; the AWS SDK itself may warn on stderr about the Node version it will need.
  expect(revoked.stderr).not.toContain('fedgate:');
  expect(revoked.code).toBe(0);
  expect(revoked.stdout).toMatch(/^revoked bob\n/);
  expect(revoked.stdout).toMatch(/^ {2}CLI tokens revoked {9}[1-9]\d*$/m);
  const issuedBefore = /^ {2}AWS sessions issued before (\S+)$/m.exec(revoked.stdout)?.[1] ?? '';
  const blockedUntil = /^ {2}issuance blocked until {5}(\S+)$/m.exec(revoked.stdout)?.[1] ?? '';
  expect(Date.parse(blockedUntil) - Date.parse(issuedBefore)).toBeGreaterThanOrEqual(1_799_000);
  for (const role of ['fedgate-Developer', 'fedgate-ReadOnly']) {
    expect(revoked.stdout).toContain(
      `applied FedgateRevokeOlderSessions to arn:aws:iam::123456789012:role/${role}\n`,
    );
    const stored = await iam.send(
      new GetRolePolicyCommand({ RoleName: role, PolicyName: 'FedgateRevokeOlderSessions' }),
    );
    expect(JSON.parse(decodeURIComponent(stored.PolicyDocument ?? ''))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:TokenIssueTime': new Date(issuedBefore).toISOString() } },
        },
      ],
    });
  }

  const after = await fedgate(demo, ['whoami'], envs.bob);
  expect(after.code).toBe(1);
  expect(after.stdout).toBe('');
  expect(after.stderr).toContain('run fedgate login --url');

  // Nothing of bob's is left to end, so the answer names no source identity: nothing to put anywhere.
  const scoped = await fedgate(
    demo,
    [
      'admin',
      'revoke',
      '--user',
      'bob',
      '--block',
      '30m',
      '--aws-policy',
      'print',
      '--aws-scope',
      'source-identity',
    ],
    envs.alice,
  );
  expect(scoped.stderr).toBe('');
  expect(scoped.code).toBe(0);
  expect(scoped.stdout).toMatch(/^revoked bob\n/);
  expect(scoped.stdout).toContain('  source identities          none\n');
  expect(scoped.stdout).toContain(
    "the broker's answer names no source identity for bob: it knows of no credentials issued to them " +
      'with a SourceIdentity that may still be valid, so no policy was printed or applied\n',
  );
  expect(scoped.stdout).not.toContain('put-role-policy');
  const applied = await fedgate(
    demo,
    [
      'admin',
      'revoke',
      '--user',
      'bob',
      '--block',
      '30m',
      '--aws-policy',
      'apply',
      '--aws-scope',
      'source-identity',
    ],
    envs.alice,
  );
  expect(applied.code).toBe(0);
  expect(applied.stdout).toContain("the broker's answer names no source identity for bob");
  expect(applied.stdout).not.toMatch(/^applied /m);
  // The policy of the earlier source-identity revocation is as it was.
  const listed = await iam.send(new ListRolePoliciesCommand({ RoleName: 'fedgate-Developer' }));
  expect([...(listed.PolicyNames ?? [])].sort()).toEqual([
    'FedgateRevokeOlderSessions',
    'FedgateRevokeOlderSessions-bob',
  ]);
});

it('reports a role IAM does not have and an ARN that is no role as failed, exit code 3, after revoking at the broker', async () => {
  // alice's Admin role was not created in moto: the others are applied, it fails.
  const result = await fedgate(
    demo,
    [
      'admin',
      'revoke',
      '--user',
      'alice',
      '--aws-policy',
      'apply',
      '--role',
      'arn:aws:iam::123456789012:user/alice',
    ],
    envs.alice,
  );
  expect(result.code).toBe(3);
  expect(result.stdout).toMatch(/^revoked alice\n/);
  expect(result.stdout).toContain(
    'applied FedgateRevokeOlderSessions to arn:aws:iam::123456789012:role/fedgate-Developer',
  );
  expect(result.stdout).toMatch(/^failed arn:aws:iam::123456789012:role\/fedgate-Admin: NoSuchEntity/m);
  expect(result.stdout).toContain(
    'failed arn:aws:iam::123456789012:user/alice: "arn:aws:iam::123456789012:user/alice" is not an IAM role ARN',
  );
  expect(result.stderr).toContain('could not be put on 2 of 4 role(s)');
  expect(result.stderr).toContain('the revocation at the broker is done');
});
