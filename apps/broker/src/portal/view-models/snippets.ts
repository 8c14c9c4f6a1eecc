/**
 * What the portal's "Command line" panel shows for one permission set: the
 * credentials as environment exports for each shell, as a ~/.aws/credentials
 * block, and the ~/.aws/config profile that lets the `fedgate` CLI fetch them
 * on demand. Every value is quoted for the shell that reads it, so a value
 * can never end its quote and run as a command.
 */

import { shellCommandLine } from '../../../../cli/src/aws-config/shell-words';

/** The temporary credentials, as the broker issued them. */
export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ISO 8601 UTC. */
  expiration: string;
}

/** One snippet: an id for the page, a heading, the text to copy. */
export interface Snippet {
  id: string;
  title: string;
  /** Where the text goes, for people who do not know yet. */
  hint: string;
  text: string;
}

const ENVIRONMENT = [
  ['AWS_ACCESS_KEY_ID', 'accessKeyId'],
  ['AWS_SECRET_ACCESS_KEY', 'secretAccessKey'],
  ['AWS_SESSION_TOKEN', 'sessionToken'],
] as const;

/** Anything that could break a line-based format: a newline, a NUL, another control character. */
function assertOneLine(value: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new Error(`${what} holds a control character; it cannot be written to a shell or an ini file`);
  }
}

/** POSIX sh (bash, zsh): inside single quotes nothing is special but the quote itself. */
export function posixQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** fish: inside single quotes only `\'` and `\\` are escapes. */
export function fishQuote(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** PowerShell: a single-quoted string doubles its quotes (and treats the typographic ones as quotes too). */
export function powerShellQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (quote) => quote + quote)}'`;
}

function credentialValues(credentials: IssuedCredentials): [string, string][] {
  return ENVIRONMENT.map(([name, field]) => {
    const value = credentials[field];
    assertOneLine(value, name);
    return [name, value];
  });
}

export function bashExports(credentials: IssuedCredentials): string {
  return credentialValues(credentials)
    .map(([name, value]) => `export ${name}=${posixQuote(value)}`)
    .join('\n');
}

export function fishExports(credentials: IssuedCredentials): string {
  return credentialValues(credentials)
    .map(([name, value]) => `set -gx ${name} ${fishQuote(value)}`)
    .join('\n');
}

export function powerShellExports(credentials: IssuedCredentials): string {
  return credentialValues(credentials)
    .map(([name, value]) => `$Env:${name} = ${powerShellQuote(value)}`)
    .join('\n');
}

/** A profile name of ini-safe characters: `demo-Developer`. */
export function profileName(accountName: string, permissionSet: string): string {
  return `${accountName}-${permissionSet}`.replace(/[^A-Za-z0-9_.+=@-]/g, '-');
}

/** A `~/.aws/credentials` section; the SDKs read it as it is, no quoting. */
export function credentialsFileBlock(profile: string, credentials: IssuedCredentials): string {
  const [access, secret, token] = credentialValues(credentials).map(([, value]) => value);
  return [
    `[${profile}]`,
    `aws_access_key_id = ${access ?? ''}`,
    `aws_secret_access_key = ${secret ?? ''}`,
    `aws_session_token = ${token ?? ''}`,
  ].join('\n');
}

/** The `~/.aws/config` profile that runs the fedgate CLI whenever an SDK needs credentials. */
export function configProfile(
  profile: string,
  target: { brokerUrl: string; accountId: string; permissionSet: string; region?: string },
): string {
  // The same quoting as `fedgate configure` writes: one word reads alike to botocore's shlex and a shell.
  const command = shellCommandLine([
    'fedgate',
    'credential-process',
    '--url',
    target.brokerUrl,
    '--account',
    target.accountId,
    '--permission-set',
    target.permissionSet,
  ]);
  return [
    `[profile ${profile}]`,
    `credential_process = ${command}`,
    ...(target.region === undefined ? [] : [`region = ${target.region}`]),
  ].join('\n');
}

/** The four credential snippets, in the order the page shows them. */
export function credentialSnippets(profile: string, credentials: IssuedCredentials): Snippet[] {
  return [
    {
      id: 'bash',
      title: 'bash and zsh',
      hint: 'Paste into your terminal.',
      text: bashExports(credentials),
    },
    { id: 'fish', title: 'fish', hint: 'Paste into your terminal.', text: fishExports(credentials) },
    {
      id: 'powershell',
      title: 'PowerShell',
      hint: 'Paste into PowerShell.',
      text: powerShellExports(credentials),
    },
    {
      id: 'credentials-file',
      title: '~/.aws/credentials',
      hint: `Add to ~/.aws/credentials, then use --profile ${profile}.`,
      text: credentialsFileBlock(profile, credentials),
    },
  ];
}
