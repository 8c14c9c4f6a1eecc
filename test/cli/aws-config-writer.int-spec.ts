/**
 * `fedgate configure`'s writer on real files: everything outside fedgate's
 * own profiles stays byte for byte, a second run changes nothing, and the
 * result reads the same to botocore and to the JS SDK.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadSharedConfigFiles } from '@smithy/core/config';
import {
  ConfigChangedError,
  readConfigFile,
  writeConfigFile,
} from '../../apps/cli/src/aws-config/config-file';
import {
  planProfiles,
  ProfileConflictError,
  type ProfilePlanInput,
} from '../../apps/cli/src/aws-config/fedgate-profiles';

const run = promisify(execFile);

const USER_FILE = `# my AWS settings; fedgate must keep this comment
[default]
region = eu-west-1
output = json

; a profile of my own
[profile personal]
aws_access_key_id = AKIAEXAMPLE
  # an indented comment
s3 =
  max_concurrent_requests = 20

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
# trailing comment, no final newline`;

const BROKER = 'http://127.0.0.1:8080';

function input(
  profiles: ProfilePlanInput['profiles'],
  overrides: Partial<ProfilePlanInput> = {},
): ProfilePlanInput {
  return {
    brokerUrl: BROKER,
    prefix: '',
    command: ['/usr/bin/node', '/opt/fedgate dist/main.js'],
    profiles,
    ...overrides,
  };
}

const DEV = { name: 'demo-Developer', accountId: '123456789012', permissionSet: 'Developer' };
const READ = { name: 'demo-ReadOnly', accountId: '123456789012', permissionSet: 'ReadOnly' };

let dir = '';
let file = '';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fedgate-aws-config-'));
  file = join(dir, 'config');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Plans against the file on disk and writes the result, as `fedgate configure` does. */
async function configure(plan: ProfilePlanInput): Promise<string[]> {
  const before = await readConfigFile(file);
  const result = planProfiles(before, plan);
  if (result.text !== before) {
    await writeConfigFile(file, before, result.text);
  }
  return result.changes.map((change) => `${change.action} ${change.name}`);
}

/** botocore's reading of the file: profile name to settings. */
async function botocoreProfiles(): Promise<Record<string, Record<string, string>>> {
  const { stdout } = await run('python3', [
    '-c',
    'import json, sys; from botocore.configloader import load_config; print(json.dumps(load_config(sys.argv[1])["profiles"]))',
    file,
  ]);
  return JSON.parse(stdout) as Record<string, Record<string, string>>;
}

describe('the AWS config writer', () => {
  it('appends its profiles and keeps every byte of the user file; a second run changes nothing', async () => {
    writeFileSync(file, USER_FILE);
    chmodSync(file, 0o640);
    expect(await configure(input([DEV, READ]))).toEqual(['add demo-Developer', 'add demo-ReadOnly']);
    const once = readFileSync(file, 'utf8');
    expect(once.startsWith(USER_FILE)).toBe(true);
    expect(once.slice(USER_FILE.length)).toBe(
      [
        '',
        '',
        '[profile demo-Developer]',
        '# written by fedgate configure, which rewrites or removes this profile: make your own for changes',
        `fedgate_url = ${BROKER}`,
        `credential_process = /usr/bin/node '/opt/fedgate dist/main.js' credential-process --url ${BROKER} --account 123456789012 --permission-set Developer`,
        '',
        '[profile demo-ReadOnly]',
        '# written by fedgate configure, which rewrites or removes this profile: make your own for changes',
        `fedgate_url = ${BROKER}`,
        `credential_process = /usr/bin/node '/opt/fedgate dist/main.js' credential-process --url ${BROKER} --account 123456789012 --permission-set ReadOnly`,
        '',
      ].join('\n'),
    );
    expect(statSync(file).mode & 0o777).toBe(0o640);

    expect(await configure(input([DEV, READ]))).toEqual([
      'unchanged demo-Developer',
      'unchanged demo-ReadOnly',
    ]);
    expect(readFileSync(file, 'utf8')).toBe(once);
  });

  it('rewrites its own profile in place and removes one no longer entitled, keeping the rest byte for byte', async () => {
    const head = `${USER_FILE}\n`;
    const tail = '\n# about work\n[profile work]\nregion = us-west-2\n';
    const oldDev = [
      '[profile demo-Developer]',
      `fedgate_url = ${BROKER}`,
      'credential_process = /old/fedgate credential-process --account 123456789012 --permission-set Developer',
    ].join('\n');
    const oldRead = [
      '[profile demo-ReadOnly]',
      `fedgate_url = ${BROKER}`,
      'credential_process = /old/fedgate credential-process --account 123456789012 --permission-set ReadOnly',
    ].join('\n');
    writeFileSync(file, `${head}\n${oldDev}\n\n${oldRead}\n${tail}`);

    expect(await configure(input([DEV], { region: 'us-east-1' }))).toEqual([
      'update demo-Developer',
      'remove demo-ReadOnly',
    ]);
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith(`${head}\n[profile demo-Developer]\n`)).toBe(true);
    expect(after.endsWith(`region = us-east-1\n${tail}`)).toBe(true);
    expect(after).not.toContain('demo-ReadOnly');
    expect(after).not.toContain('/old/fedgate');
    expect(await configure(input([DEV], { region: 'us-east-1' }))).toEqual(['unchanged demo-Developer']);
    expect(readFileSync(file, 'utf8')).toBe(after);
  });

  it('refuses a name taken by a profile it did not write for this broker, changing nothing', async () => {
    for (const taken of [
      '[profile demo-Developer]\nregion = us-east-1\n',
      '[profile   demo-Developer ]\nregion = us-east-1\n',
      `[profile demo-Developer]\nfedgate_url = https://other-broker.example.com\n`,
    ]) {
      writeFileSync(file, `${USER_FILE}\n${taken}`);
      await expect(configure(input([DEV, READ]))).rejects.toThrow(ProfileConflictError);
      await expect(configure(input([DEV, READ]))).rejects.toThrow('--prefix');
      expect(readFileSync(file, 'utf8')).toBe(`${USER_FILE}\n${taken}`);
    }
  });

  it('leaves profiles of other prefixes and other brokers alone when removing', async () => {
    const others = [
      '[profile team-demo-Admin]',
      `fedgate_url = ${BROKER}`,
      'credential_process = x',
      '',
      '[profile other-broker]',
      'fedgate_url = https://other.example.com',
      'credential_process = y',
      '',
    ].join('\n');
    writeFileSync(file, others);
    expect(await configure(input([{ ...DEV, name: 'mine-demo-Developer' }], { prefix: 'mine-' }))).toEqual([
      'add mine-demo-Developer',
    ]);
    expect(readFileSync(file, 'utf8').startsWith(others)).toBe(true);
  });

  it('keeps Windows line endings and creates a missing file 0600', async () => {
    writeFileSync(file, '[default]\r\nregion = eu-west-1\r\n');
    await configure(input([DEV]));
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('[default]\r\nregion = eu-west-1\r\n\r\n[profile demo-Developer]\r\n')).toBe(true);
    expect(text.replaceAll('\r\n', '')).not.toContain('\n');

    const fresh = join(dir, 'new', 'config');
    file = fresh;
    await configure(input([DEV]));
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'new')).mode & 0o777).toBe(0o700);
  });

  it('writes through a symbolic link (dotfiles) and refuses to overwrite a file changed meanwhile', async () => {
    const target = join(dir, 'dotfiles-config');
    writeFileSync(target, USER_FILE);
    symlinkSync(target, file);
    await configure(input([DEV]));
    expect(readFileSync(target, 'utf8').startsWith(USER_FILE)).toBe(true);
    expect(readFileSync(target, 'utf8')).toContain('[profile demo-Developer]');

    const before = readFileSync(file, 'utf8');
    const planned = planProfiles(before, input([DEV, READ]));
    writeFileSync(target, `${before}# edited meanwhile\n`);
    await expect(writeConfigFile(file, before, planned.text)).rejects.toThrow(ConfigChangedError);
    expect(readFileSync(target, 'utf8')).toBe(`${before}# edited meanwhile\n`);
  });

  it('reads the same to botocore and to the JS SDK, the user profiles included', async () => {
    writeFileSync(file, USER_FILE);
    await configure(input([DEV, READ], { region: 'us-east-1' }));
    const botocore = await botocoreProfiles();
    const sdk = (await loadSharedConfigFiles({ configFilepath: file, filepath: join(dir, 'none') }))
      .configFile;
    const expected = `/usr/bin/node '/opt/fedgate dist/main.js' credential-process --url ${BROKER} --account 123456789012 --permission-set Developer`;
    for (const profiles of [botocore, sdk] as Record<string, Record<string, unknown>>[]) {
      expect(profiles['demo-Developer']).toMatchObject({ credential_process: expected, region: 'us-east-1' });
      expect(profiles['personal']).toMatchObject({ aws_access_key_id: 'AKIAEXAMPLE' });
      expect(profiles['default']).toMatchObject({ region: 'eu-west-1' });
    }
  });
});
