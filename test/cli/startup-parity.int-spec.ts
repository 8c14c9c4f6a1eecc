import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '@fedgate/config';
import { createLogger } from '@fedgate/logging';
import { createBrokerRuntime } from '../../apps/broker/src/broker-runtime';
import { loadBrokerConfig } from '../../apps/broker/src/load-broker-config';
import { buildBin } from '../harness/build-bin';

/**
 * `fedgate config validate` promises to refuse exactly the files the broker
 * refuses to start with. This walks every kind of refusal the broker's
 * start-up has (apps/broker/src/main.ts: loadBrokerConfig, then
 * createBrokerRuntime): for each, the broker is started in this process
 * the way main.ts starts it, the built CLI is run as a child process on the
 * same file and environment, and both must refuse with the same lines.
 */
const REPO = resolve(__dirname, '..', '..');
const HASH = '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$m1rlnJxXIEcXFdgJ0YqXrS+jxF7V3HvXgaGrFYcBnYg=';
const CONNECTORS = `connectors: [{ id: corp, type: static, users: [{ username: a, passwordHash: "${HASH}" }] }]`;

let MAIN = '';
let dir = '';

function pem(type: 'rsa' | 'ec', bits = 2048): string {
  const { privateKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: bits })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A file whose web identity signing keys are the given PEM files (by `${file:}` reference). */
function withKeys(...files: string[]): string {
  const keys = files.map((file) => `{ privateKey: "\${file:${file}}" }`).join(', ');
  return `${CONNECTORS}\nissuance: { webIdentity: { signingKeys: [${keys}] } }\n`;
}

/** What the broker says when it refuses to start, or undefined when it starts (and is stopped again). */
async function brokerRefusal(file: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const { config } = await loadBrokerConfig(env, ['--config', file]);
    const runtime = await createBrokerRuntime(config, { logger: createLogger({ level: 'silent' }) });
    await runtime.close();
    return undefined;
  } catch (error) {
    // Start-up refusals are configuration errors: anything else would be a bug this test should show.
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
}

function validate(
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN, 'config', 'validate', file], {
      cwd: REPO,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({ code, stdout, stderr });
    });
  });
}

describe('fedgate config validate refuses what the broker refuses at start-up', () => {
  beforeAll(async () => {
    ({ main: MAIN } = await buildBin('fedgate', 'cli-startup-parity'));
    dir = mkdtempSync(join(tmpdir(), 'fedgate-startup-parity-'));
    writeFileSync(join(dir, 'rsa-2048.pem'), pem('rsa'));
    writeFileSync(join(dir, 'rsa-1024.pem'), pem('rsa', 1024));
    writeFileSync(join(dir, 'ec.pem'), pem('ec'));
  }, 120_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  // One row per kind of file the broker refuses: where the refusal comes from, and the file.
  const refused: [string, () => string, NodeJS.ProcessEnv, RegExp][] = [
    ['an unreadable file (loader)', () => join(dir, 'missing.yaml'), {}, /^cannot read .*: no such file$/],
    ['YAML syntax (loader)', () => write('syntax.yaml', 'connectors: [\n'), {}, /line \d+, column \d+/],
    [
      'a reference that does not resolve (loader)',
      () => write('env.yaml', `${CONNECTORS}\nstore: { type: redis, url: "\${env:REDIS_URL}" }\n`),
      {},
      /store\.url: environment variable REDIS_URL is not set/,
    ],
    [
      'a schema error (schema)',
      () => write('schema.yaml', `${CONNECTORS}\nserver: { port: 0 }\n`),
      {},
      /server\.port: must be at least 1/,
    ],
    [
      'a name used but not defined (cross-checks)',
      () =>
        write(
          'names.yaml',
          `${CONNECTORS}\nassignments: [{ match: { connectors: [okta] }, accounts: ['*'], permissionSets: ['*'] }]\n`,
        ),
      {},
      /assignments\[0\]\.match\.connectors\[0\]: unknown connector "okta"/,
    ],
    [
      'a publicUrl with a query (schema)',
      () => write('query.yaml', `${CONNECTORS}\nserver: { publicUrl: "https://fedgate.example.com/?x=1" }\n`),
      {},
      /server\.publicUrl: must have no user info, query or fragment/,
    ],
    [
      'a publicUrl with user info (schema)',
      () =>
        write(
          'userinfo.yaml',
          `${CONNECTORS}\nserver: { publicUrl: "https://ops:pw@fedgate.example.com" }\n`,
        ),
      {},
      /server\.publicUrl: must have no user info, query or fragment/,
    ],
    [
      'a token issuer with a fragment (schema)',
      () =>
        write(
          'issuer.yaml',
          `${CONNECTORS}\nissuance: { webIdentity: { issuer: "https://id.example.com/#x" } }\n`,
        ),
      {},
      /issuance\.webIdentity\.issuer: must have no user info, query or fragment/,
    ],
    [
      'a PORT that is not a port (environment)',
      () => write('port.yaml', `${CONNECTORS}\n`),
      { PORT: 'eighty' },
      /server\.port: is overridden by the environment variable PORT/,
    ],
    [
      'a signing key that is not PEM (issuance start-up)',
      () =>
        write(
          'not-pem.yaml',
          `${CONNECTORS}\nissuance: { webIdentity: { signingKeys: [{ privateKey: "not a key" }] } }\n`,
        ),
      {},
      /signingKeys\[0\]\.privateKey: must be a PEM private key/,
    ],
    [
      'an RSA key under 2048 bits (issuance start-up)',
      () => write('small-key.yaml', withKeys('rsa-1024.pem')),
      {},
      /signingKeys\[0\]\.privateKey: is a 1024-bit RSA key/,
    ],
    [
      'a key that is not RSA (issuance start-up)',
      () => write('ec-key.yaml', withKeys('ec.pem')),
      {},
      /signingKeys\[0\]\.privateKey: is a key of type ec/,
    ],
    [
      'the same key twice (issuance start-up)',
      () => write('twice.yaml', withKeys('rsa-2048.pem', 'rsa-2048.pem')),
      {},
      /signingKeys\[1\]\.privateKey: is the same key as/,
    ],
    [
      'SAML metadata not signed by its signing certificate (saml start-up)',
      () =>
        write(
          'saml-metadata.yaml',
          [
            `${CONNECTORS.slice(0, -1)}, { id: corp-saml, type: saml, idp: {`,
            `  metadataFile: ${join(REPO, 'test', 'saml', 'fixtures', 'idp-metadata.xml')},`,
            `  metadataSigningCertificates: ["\${file:${join(REPO, 'test', 'saml', 'fixtures', 'keys', 'attacker.crt')}}"] } }]`,
            '',
          ].join('\n'),
        ),
      {},
      /connectors\[1\]\.idp\.metadataFile: the metadata's signature is refused/,
    ],
  ];

  it.each(refused)('%s', async (_kind, file, env, expected) => {
    const path = file();
    const broker = await brokerRefusal(path, env);
    expect(broker).toMatch(expected);
    const cli = await validate(path, env);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toBe('');
    // The same lines: the CLI names the file as given, the broker its resolved path (the same here).
    expect(cli.stderr).toBe(`${broker ?? ''}\n`);
  });

  it('accepts, as the broker does, a file whose keys and environment are usable', async () => {
    const path = write('good.yaml', withKeys('rsa-2048.pem'));
    await expect(brokerRefusal(path, { PORT: '9999' })).resolves.toBeUndefined();
    await expect(validate(path, { PORT: '9999' })).resolves.toEqual({
      code: 0,
      stdout: 'valid\n',
      stderr: '',
    });
  });
});
