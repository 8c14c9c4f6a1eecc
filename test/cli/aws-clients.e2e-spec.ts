/**
 * `fedgate login` once, then the real AWS tools work: the AWS CLI, boto3
 * and the JS SDK v3 use the profiles `fedgate configure` wrote (through
 * `fedgate credential-process`) or `fedgate serve-credentials`, and call
 * sts get-caller-identity against the demo's sts-local.
 */
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromHttp } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import {
  credentialRequests,
  fedgate,
  runProgram,
  startCliDemo,
  startFedgate,
  type CliDemo,
} from './cli-fixture';
import { loginAs } from './cli-login';

const USER_CONFIG = `# my own settings: fedgate configure must keep them byte for byte
[default]
region = eu-west-1

; work account, by hand
[profile work]
region = us-west-2
credential_process = /bin/false
`;

const REPO = join(__dirname, '..', '..');
const ALICE_ARN = /^arn:aws:sts::123456789012:assumed-role\/fedgate-Developer\/alice\./;

let demo: CliDemo;
const secrets: string[] = [];

beforeAll(async () => {
  demo = await startCliDemo('cli-aws-clients');
  await loginAs(demo, 'alice', 'fedgate-demo');
  writeFileSync(demo.env.AWS_CONFIG_FILE ?? '', USER_CONFIG);
}, 180_000);

afterAll(async () => {
  await demo.stop();
  const logs = demo.broker.logs.text() + demo.stsLogs.text();
  for (const secret of secrets) {
    expect(logs).not.toContain(secret);
  }
});

/** The status of a GET with the token and the given Host header (fetch does not let a caller set Host). */
function statusWithHost(uri: string, token: string, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const request = httpGet(uri, { headers: { authorization: token, host } }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', reject);
  });
}

async function callerArn(credentials: AwsCredentialIdentityProvider): Promise<string> {
  const client = new STSClient({ region: 'us-east-1', endpoint: demo.stsUrl, credentials });
  try {
    return (await client.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } finally {
    client.destroy();
  }
}

describe('fedgate configure', () => {
  it('writes one profile per entitlement after the user’s own text, and a second run changes nothing', async () => {
    const dry = await fedgate(demo, ['configure', '--dry-run']);
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toContain('would add profile demo-Developer');
    expect(readFileSync(demo.env.AWS_CONFIG_FILE ?? '', 'utf8')).toBe(USER_CONFIG);

    const first = await fedgate(demo, ['configure']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    for (const name of ['demo-Developer', 'demo-Admin', 'demo-ReadOnly']) {
      expect(first.stdout).toContain(`add profile ${name}`);
    }
    const written = readFileSync(demo.env.AWS_CONFIG_FILE ?? '', 'utf8');
    expect(written.startsWith(USER_CONFIG)).toBe(true);
    expect(written).toContain(`[profile demo-Developer]\n`);

    const second = await fedgate(demo, ['configure']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('unchanged profile demo-Developer');
    expect(second.stdout).not.toMatch(/\b(add|update|remove) profile/);
    expect(readFileSync(demo.env.AWS_CONFIG_FILE ?? '', 'utf8')).toBe(written);
  });

  it('gives the AWS CLI credentials through credential_process', async () => {
    const result = await runProgram(
      'aws',
      ['sts', 'get-caller-identity', '--profile', 'demo-Developer', '--output', 'json'],
      demo.env,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { Arn: string }).Arn).toMatch(ALICE_ARN);
  });

  it('gives boto3 credentials through credential_process', async () => {
    const result = await runProgram(
      'python3',
      [
        '-c',
        'import boto3; print(boto3.Session(profile_name="demo-ReadOnly").client("sts").get_caller_identity()["Arn"])',
      ],
      demo.env,
    );
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toMatch(
      /^arn:aws:sts::123456789012:assumed-role\/fedgate-ReadOnly\/alice\./,
    );
  });

  it('gives the JS SDK v3 credentials through fromProcess', async () => {
    // A program of its own, as users run the SDK: profile, region and endpoint from the environment.
    const program = [
      "const { GetCallerIdentityCommand, STSClient } = require('@aws-sdk/client-sts');",
      "const { fromProcess } = require('@aws-sdk/credential-providers');",
      'new STSClient({ credentials: fromProcess() }).send(new GetCallerIdentityCommand({})).then(',
      '  (answer) => console.log(answer.Arn),',
      '  (error) => { console.error(error.message); process.exitCode = 1; },',
      ');',
    ].join('\n');
    const result = await runProgram(
      process.execPath,
      ['-e', program],
      { ...demo.env, AWS_PROFILE: 'demo-Admin' },
      '',
      REPO,
    );
    // stderr may hold the SDK's notice about Node versions; the answer is what counts.
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^arn:aws:sts::123456789012:assumed-role\/fedgate-Admin\/alice\./);
  });
});

describe('fedgate credential-process', () => {
  it('prints exactly the credential_process JSON, and answers from the cache until near expiry', async () => {
    const before = credentialRequests(demo);
    const result = await fedgate(demo, [
      'credential-process',
      '--account',
      '123456789012',
      '--permission-set',
      'Developer',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.endsWith('}\n')).toBe(true);
    const issued = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(issued)).toEqual([
      'Version',
      'AccessKeyId',
      'SecretAccessKey',
      'SessionToken',
      'Expiration',
    ]);
    expect(issued.Version).toBe(1);
    secrets.push(issued.SecretAccessKey as string, issued.SessionToken as string);
    const again = await fedgate(demo, [
      'credential-process',
      '--account',
      '123456789012',
      '--permission-set',
      'Developer',
    ]);
    expect(again.stdout).toBe(result.stdout);
    // The profile run by the AWS CLI above used the same entry: at most one request for it in all.
    expect(credentialRequests(demo) - before).toBeLessThanOrEqual(1);
  });

  // 20 Node processes start at once on a small machine: the test gets time for them.
  it('makes one broker call for 20 parallel invocations, and every one prints the same credentials', async () => {
    const before = credentialRequests(demo);
    const runs = await Promise.all(
      Array.from({ length: 20 }, () =>
        fedgate(demo, [
          'credential-process',
          '--account',
          'demo',
          '--permission-set',
          'ReadOnly',
          '--duration',
          '45m',
        ]),
      ),
    );
    expect(runs.map((run) => run.code)).toEqual(Array.from({ length: 20 }, () => 0));
    expect(new Set(runs.map((run) => run.stdout)).size).toBe(1);
    expect(credentialRequests(demo) - before).toBe(1);
  }, 180_000);

  it('says to run fedgate login, without hanging, when there is no login', async () => {
    const env = {
      ...demo.env,
      XDG_CONFIG_HOME: join(demo.home, 'nobody-config'),
      XDG_CACHE_HOME: join(demo.home, 'nobody-cache'),
    };
    const result = await fedgate(
      demo,
      ['credential-process', '--url', demo.broker.url, '--account', 'demo', '--permission-set', 'Developer'],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`run fedgate login --url ${demo.broker.url}`);
  });

  it('says to run fedgate login when the broker no longer accepts the login', async () => {
    // A login of its own: logging out revokes it on the broker.
    const env = {
      ...demo.env,
      XDG_CONFIG_HOME: join(demo.home, 'revoked-config'),
      XDG_CACHE_HOME: join(demo.home, 'revoked-cache'),
    };
    await loginAs(demo, 'alice', 'fedgate-demo', env);
    const args = [
      'credential-process',
      '--url',
      demo.broker.url,
      '--account',
      'demo',
      '--permission-set',
      'Developer',
    ];
    // Cached now: logging out must forget these too, or they would be handed out after it.
    expect((await fedgate(demo, args, env)).code).toBe(0);
    const stored = readFileSync(join(env.XDG_CONFIG_HOME, 'fedgate', 'tokens.json'));
    expect((await fedgate(demo, ['logout'], env)).code).toBe(0);
    // Put the revoked tokens back: the broker, not the missing file, must refuse them.
    writeFileSync(join(env.XDG_CONFIG_HOME, 'fedgate', 'tokens.json'), stored, { mode: 0o600 });
    const result = await fedgate(demo, args, env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('run fedgate login --url');
  });

  it('refuses a cache file others may read, naming it, and prints no credentials', async () => {
    const env = { ...demo.env, XDG_CACHE_HOME: join(demo.home, 'loose-cache') };
    const args = ['credential-process', '--account', 'demo', '--permission-set', 'Admin'];
    expect((await fedgate(demo, args, env)).code).toBe(0);
    const directory = join(env.XDG_CACHE_HOME, 'fedgate');
    const [entry = ''] = readdirSync(directory).filter((name) => name.endsWith('.json'));
    chmodSync(join(directory, entry), 0o644);
    const result = await fedgate(demo, args, env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `refusing ${join(directory, entry)}: others have access to it (mode 644)`,
    );
  });

  it('reports a refused entitlement on stderr with the broker’s reason', async () => {
    const result = await fedgate(demo, [
      'credential-process',
      '--account',
      'demo',
      '--permission-set',
      'NoSuchSet',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('not_entitled');
  });
});

describe('fedgate serve-credentials', () => {
  it('serves the AWS CLI, boto3 and the JS SDK (fromHttp) with its token, and refuses requests without it', async () => {
    const served = await startFedgate(
      demo,
      ['serve-credentials', '--account', 'demo', '--permission-set', 'Developer'],
      2,
    );
    try {
      const uri = /^export AWS_CONTAINER_CREDENTIALS_FULL_URI=(\S+)$/m.exec(served.stdout)?.[1] ?? '';
      const token = /^export AWS_CONTAINER_AUTHORIZATION_TOKEN=(\S+)$/m.exec(served.stdout)?.[1] ?? '';
      expect(uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/credentials$/);
      expect(token.length).toBeGreaterThanOrEqual(40);
      secrets.push(token);

      const container = {
        ...demo.env,
        AWS_CONFIG_FILE: join(demo.home, 'empty-config'),
        AWS_CONTAINER_CREDENTIALS_FULL_URI: uri,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: token,
      };
      const cli = await runProgram('aws', ['sts', 'get-caller-identity', '--output', 'json'], container);
      expect(cli.stderr).toBe('');
      expect((JSON.parse(cli.stdout) as { Arn: string }).Arn).toMatch(ALICE_ARN);

      const boto = await runProgram(
        'python3',
        ['-c', 'import boto3; print(boto3.client("sts").get_caller_identity()["Arn"])'],
        container,
      );
      expect(boto.stderr).toBe('');
      expect(boto.stdout.trim()).toMatch(ALICE_ARN);

      expect(
        await callerArn(
          fromHttp({ awsContainerCredentialsFullUri: uri, awsContainerAuthorizationToken: token }),
        ),
      ).toMatch(ALICE_ARN);

      for (const headers of [
        {} as Record<string, string>,
        { authorization: `${token}x` },
        { authorization: token.slice(0, -1) },
        { authorization: `Bearer ${token}` },
      ]) {
        const refused = await fetch(uri, { headers });
        expect(refused.status).toBe(401);
        expect(await refused.text()).not.toContain('SecretAccessKey');
      }
      // A page on evil.example whose name now points at 127.0.0.1 sends its own Host.
      expect(await statusWithHost(uri, token, 'evil.example')).toBe(403);
      expect(await statusWithHost(uri, token, new URL(uri).host)).toBe(200);
      expect(served.stderr()).not.toContain(token);
    } finally {
      const exited = once(served.child, 'exit');
      served.child.kill('SIGTERM');
      // It stops cleanly on SIGTERM, leaving nothing running.
      expect(await exited).toEqual([0, null]);
    }
  });
});

describe('fedgate accounts and console', () => {
  it('lists the entitlements as a table and as JSON', async () => {
    const table = await fedgate(demo, ['accounts']);
    expect(table).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout.split('\n')[0]).toMatch(
      /^ACCOUNT\s+ACCOUNT ID\s+PERMISSION SET\s+MODE\s+DURATION\s+ISSUABLE$/,
    );
    expect(table.stdout).toMatch(/^demo\s+123456789012\s+Developer\s+assume-role\s+1h\s+yes$/m);
    const json = await fedgate(demo, ['accounts', '--json']);
    const listed = (JSON.parse(json.stdout) as { entitlements: { permissionSet: string }[] }).entitlements;
    expect(listed.map((entitlement) => entitlement.permissionSet).sort()).toEqual([
      'Admin',
      'Developer',
      'ReadOnly',
    ]);
  });

  it('prints the console sign-in URL only with --print, and otherwise hands it to the browser alone', async () => {
    const printed = await fedgate(demo, [
      'console',
      '--account',
      'demo',
      '--permission-set',
      'ReadOnly',
      '--print',
    ]);
    expect(printed).toMatchObject({ code: 0, stderr: '' });
    const url = printed.stdout.trim();
    secrets.push(url);
    expect(new URL(url).searchParams.get('Action')).toBe('login');
    expect(await (await fetch(url)).text()).toContain('fedgate-ReadOnly');

    const opened = join(demo.home, 'opened-url');
    const browser = join(demo.home, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`, { mode: 0o700 });
    const viaBrowser = await fedgate(demo, ['console', '--account', 'demo', '--permission-set', 'ReadOnly'], {
      ...demo.env,
      BROWSER: browser,
    });
    expect(viaBrowser.code).toBe(0);
    const sent = readFileSync(opened, 'utf8');
    secrets.push(sent);
    expect(new URL(sent).searchParams.get('Action')).toBe('login');
    expect(viaBrowser.stdout + viaBrowser.stderr).not.toContain(
      new URL(sent).searchParams.get('SigninToken') ?? '',
    );

    const noBrowser = await fedgate(demo, ['console', '--account', 'demo', '--permission-set', 'ReadOnly'], {
      ...demo.env,
      BROWSER: join(demo.home, 'no-such-browser'),
    });
    expect(noBrowser.code).toBe(1);
    expect(noBrowser.stdout).toBe('');
    expect(noBrowser.stderr).toContain('--print');
    expect(noBrowser.stderr).not.toContain('SigninToken');
  });
});

describe('help and --version', () => {
  it.each(['credential-process', 'configure', 'console', 'accounts', 'serve-credentials'])(
    'fedgate %s has both',
    async (command) => {
      const help = await fedgate(demo, [command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: fedgate ${command}`);
      const version = await fedgate(demo, [command, '--version']);
      expect(version.code).toBe(0);
      expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    },
  );

  it('names a missing required option on stderr with a non-zero exit', async () => {
    const result = await fedgate(demo, ['credential-process', '--account', 'demo']);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("required option '--permission-set <name>' not specified");
  });
});
