import { execFileSync } from 'node:child_process';
import {
  bashExports,
  configProfile,
  credentialsFileBlock,
  credentialSnippets,
  fishQuote,
  posixQuote,
  powerShellQuote,
  profileName,
  type IssuedCredentials,
} from './snippets';

const CREDENTIALS: IssuedCredentials = {
  accessKeyId: 'ASIAEXAMPLE000000001',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjE//////////wEaCXVzLWVhc3QtMSJHMEUCIQD=',
  expiration: '2026-12-05T10:00:00Z',
};

/** Runs the exports in a real shell and reads the variables back. */
function exportedBy(shell: string, script: string): Record<string, string> {
  const output = execFileSync(shell, ['-c', `${script}\nenv`], { env: {}, encoding: 'utf8' });
  return Object.fromEntries(
    output
      .split('\n')
      .filter((line) => line.startsWith('AWS_'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('the command-line snippets', () => {
  it.each(['bash', 'sh'])('exports exactly the issued values in %s', (shell) => {
    expect(exportedBy(shell, bashExports(CREDENTIALS))).toEqual({
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
    });
  });

  it('keeps a value with quotes, dollars and backticks literal in a POSIX shell', () => {
    const hostile = `it's $(touch /tmp/x) \`id\` "$HOME"`;
    const output = execFileSync('sh', ['-c', `printf %s ${posixQuote(hostile)}`], { encoding: 'utf8' });
    expect(output).toBe(hostile);
  });

  it('escapes for fish and PowerShell the way their single quotes read', () => {
    expect(fishQuote(`a'b\\c`)).toBe(`'a\\'b\\\\c'`);
    expect(powerShellQuote(`it's`)).toBe(`'it''s'`);
    // PowerShell takes the typographic quotes as quotes too.
    expect(powerShellQuote('a\u2019b')).toBe(`'a\u2019\u2019b'`);
  });

  it('refuses a value with a newline rather than write a second command', () => {
    expect(() => bashExports({ ...CREDENTIALS, sessionToken: 'abc\nrm -rf ~' })).toThrow(
      /AWS_SESSION_TOKEN holds a control character/,
    );
  });

  it('writes a ~/.aws/credentials block under the profile name', () => {
    expect(credentialsFileBlock('demo-Developer', CREDENTIALS)).toBe(
      [
        '[demo-Developer]',
        `aws_access_key_id = ${CREDENTIALS.accessKeyId}`,
        `aws_secret_access_key = ${CREDENTIALS.secretAccessKey}`,
        `aws_session_token = ${CREDENTIALS.sessionToken}`,
      ].join('\n'),
    );
    expect(profileName('my account', 'Dev/Ops')).toBe('my-account-Dev-Ops');
  });

  it('lists bash and zsh, fish, PowerShell and the credentials file, each holding the secret key', () => {
    const snippets = credentialSnippets('demo-Developer', CREDENTIALS);
    expect(snippets.map((snippet) => snippet.id)).toEqual(['bash', 'fish', 'powershell', 'credentials-file']);
    for (const snippet of snippets) {
      expect(snippet.text).toContain(CREDENTIALS.secretAccessKey);
    }
  });
});

describe('the ~/.aws/config profile', () => {
  const profile = configProfile('demo-Developer', {
    brokerUrl: 'https://fedgate.corp.example',
    accountId: '123456789012',
    permissionSet: 'Developer',
  });

  it('runs fedgate credential-process with the broker, account and permission set', () => {
    expect(profile).toBe(
      [
        '[profile demo-Developer]',
        'credential_process = fedgate credential-process --url https://fedgate.corp.example --account 123456789012 --permission-set Developer',
      ].join('\n'),
    );
  });

  /** What botocore does with the line: shlex.split, no shell. */
  function shlexSplit(line: string): string[] {
    const script = 'import json,shlex,sys; print(json.dumps(shlex.split(sys.argv[1])))';
    return JSON.parse(execFileSync('python3', ['-c', script, line], { encoding: 'utf8' })) as string[];
  }

  /** What the JavaScript SDK does with it: a shell. */
  function shellSplit(line: string): string[] {
    const output = execFileSync('sh', ['-c', `printf '%s\\0' ${line}`], {
      encoding: 'utf8',
    });
    return output.split('\0').slice(0, -1);
  }

  it.each([
    ['plain names', ['--permission-set', 'Data.Eng+ops@x=1,y']],
    ['a name with a space', ['--permission-set', 'Read Only']],
    ['a name with shell characters', ['--permission-set', '$(id) `id` "x"']],
  ])('quotes %s so shlex and a shell read the same arguments', (_what, words) => {
    const [, set = ''] = words;
    const line = configProfile('p', {
      brokerUrl: 'http://127.0.0.1:8080',
      accountId: '123456789012',
      permissionSet: set,
    })
      .split('\n')[1]!
      .replace('credential_process = ', '');
    const expected = [
      'fedgate',
      'credential-process',
      '--url',
      'http://127.0.0.1:8080',
      '--account',
      '123456789012',
      '--permission-set',
      set,
    ];
    expect(shlexSplit(line)).toEqual(expected);
    expect(shellSplit(line)).toEqual(expected);
  });

  it.each(["it's", 'a#b c', 'line\nbreak', ''])(
    'refuses %j rather than quote it in a way one reader would take differently',
    (value) => {
      expect(() =>
        configProfile('p', {
          brokerUrl: 'http://127.0.0.1:8080',
          accountId: '123456789012',
          permissionSet: value,
        }),
      ).toThrow(/credential_process/);
    },
  );
});
