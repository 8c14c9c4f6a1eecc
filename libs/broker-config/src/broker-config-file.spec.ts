import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@fedgate/config';
import { loadConfig, parseConfig, type ConfigResult } from './broker-config-file';

// A real hash (of "x", ln=10) so the static connector's schema accepts it.
const HASH = '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$m1rlnJxXIEcXFdgJ0YqXrS+jxF7V3HvXgaGrFYcBnYg=';

const VALID = `
connectors:
  - id: corp
    type: static
    users:
      - { username: alice, passwordHash: '${HASH}', groups: [developers] }
backends:
  - { id: aws, type: sts }
accounts:
  - { id: '111111111111', name: prod, backend: aws }
permissionSets:
  - { name: ReadOnly, roleName: fedgate-ReadOnly }
  - { name: Developer, roleName: fedgate-Developer, sessionDuration: 2h }
assignments:
  - { match: { groups: [developers] }, accounts: [prod], permissionSets: [ReadOnly] }
`;

const KEY = Buffer.alloc(32, 7).toString('base64');

function issuesOf(result: ConfigResult): string[] {
  if (result.ok) {
    throw new Error('expected the config to be invalid');
  }
  return result.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

function parse(
  text: string,
  env: Record<string, string | undefined> = {},
  baseDir = '/nonexistent',
): ConfigResult {
  return parseConfig(text, { env, baseDir });
}

describe('parseConfig', () => {
  it('accepts a valid file and applies defaults', () => {
    const result = parse(VALID);
    if (!result.ok) {
      throw new Error(result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
    }
    const { config } = result;
    expect(config.server).toEqual({
      publicUrl: 'http://127.0.0.1:8080',
      host: '127.0.0.1',
      port: 8080,
      trustProxy: false,
      maxBodyBytes: 65536,
    });
    expect(config.store).toEqual({ type: 'memory' });
    expect(config.session).toEqual({ idleTimeout: 3600, absoluteTimeout: 43200, refreshInterval: 900 });
    expect(config.logging.level).toBe('info');
    expect(config.backends[0]).toMatchObject({
      mode: 'assume-role',
      region: 'us-east-1',
      partition: 'aws',
      timeout: 10,
    });
    expect(config.permissionSets.map((set) => set.sessionDuration)).toEqual([3600, 7200]);
  });

  it('lists every mistake in the file with its path, in document order', () => {
    const text = `
server:
  prot: 8080
connectors:
  - id: corp
    type: static
    users:
      - { username: alice, passwordHash: '${HASH}', groups: [developers] }
backends:
  - id: aws
    type: sts
    credentials:
      accessKeyId: AKIAEXAMPLEEXAMPLE
      secretAccessKey: \${env:AWS_SECRET}
accounts:
  - { id: '111111111111', name: prod, backend: aws }
  - { id: '111111111111', name: prod2, backend: aws }
  - { id: '1234', name: short, backend: aws }
permissionSets:
  - { name: ReadOnly, roleName: fedgate-ReadOnly }
  - { name: Developer, roleName: fedgate-Developer, sessionDuration: 24h }
assignments:
  - { match: { groups: [developers] }, accounts: [prod], permissionSets: [ReadOnly] }
  - { match: { groups: [developers] }, accounts: [prod], permissionSets: [Developer] }
  - { match: { groups: [developers] }, accounts: [prod], permissionSets: [Admn] }
`;
    expect(issuesOf(parse(text))).toEqual([
      'server.prot: unknown key',
      'backends[0].credentials.secretAccessKey: environment variable AWS_SECRET is not set',
      'accounts[1].id: duplicates accounts[0].id ("111111111111")',
      'accounts[2].id: must be a 12-digit AWS account id',
      'permissionSets[1].sessionDuration: must be between 15m and 12h',
      'assignments[2].permissionSets[0]: unknown permission set "Admn" (known: ReadOnly, Developer)',
    ]);
  });

  it('says what is missing or of the wrong type in plain English', () => {
    const text = `
server: { port: "8080", trustProxy: yes, publicUrl: 'javascript:alert(1)' }
store: { type: redis }
logging: { level: loud }
connectors:
  - { id: corp, type: satic }
backends: { id: aws }
accounts:
  - { id: 111111111111, name: prod, backend: aws }
permissionSets:
  - { name: ReadOnly, sessionDuration: true }
assignments:
  - { match: {}, accounts: [], permissionSets: [ReadOnly] }
`;
    expect(issuesOf(parse(text))).toEqual([
      'server.port: must be a number',
      'server.trustProxy: must be true or false, a number of proxy hops (1–10), or a list of proxy addresses or CIDR ranges',
      'server.publicUrl: must be an absolute http(s) URL',
      'store: set exactly one of url (one server), sentinel or cluster',
      'logging.level: must be one of: fatal, error, warn, info, debug, trace, silent',
      // Other connector types join `static` over time.
      expect.stringMatching(/^connectors\[0\]\.type: must be one of: (.+, )?static(, |$)/),
      'backends: must be a list',
      'accounts[0].id: must be a string (YAML read a number here: put the value in quotes)',
      'accounts[0].backend: unknown backend "aws" (none are configured)',
      'permissionSets[0].roleName: set roleName or roleArn (or, for GetFederationToken sessions, a sessionPolicy or managedPolicyArns)',
      'permissionSets[0].sessionDuration: must be a string or a number',
      'assignments[0].match: must have at least one condition (connectors, groups, attributes, emailDomains, mfa or maxAuthAge)',
      'assignments[0].accounts: must list at least one account',
    ]);
  });

  it('says that an account whose id YAML read as a number exists but is invalid', () => {
    const text = VALID.replace("{ id: '111111111111', name: prod", '{ id: 111111111111, name: prod').replace(
      'accounts: [prod]',
      'accounts: ["111111111111"]',
    );
    expect(issuesOf(parse(text))).toEqual([
      'accounts[0].id: must be a string (YAML read a number here: put the value in quotes)',
      'assignments[0].accounts[0]: account "111111111111" is accounts[0], which is invalid: see the errors reported for it',
    ]);
  });

  it('checks issuance settings: endpoints fedgate appends to, cache key ids and material', () => {
    const text = `
connectors: [{ id: x, type: static, users: [{ username: a, passwordHash: "${HASH}" }] }]
backends:
  - { id: aws, type: sts, signinUrl: "https://user:pw@signin.example/federation?x=1" }
issuance:
  cache: { keys: [{ id: k1, key: "${KEY}" }, { id: k1, key: "${KEY}" }, { id: k2, key: c2hvcnQ= }] }
  webIdentity: { issuer: "https://fedgate.example.com/#frag" }
`;
    expect(issuesOf(parse(text))).toEqual([
      'backends[0].signinUrl: must have no user info, query or fragment: it is a federation endpoint (fedgate adds the query)',
      'issuance.cache.keys[1].id: "k1" is listed twice',
      'issuance.cache.keys[2].key: must be 32 random bytes, base64 (openssl rand -base64 32)',
      'issuance.webIdentity.issuer: must have no user info, query or fragment: it is the iss of the tokens fedgate signs',
    ]);
  });

  it('keeps server.publicUrl a bare URL: fedgate appends its paths to it', () => {
    const message =
      'must have no user info, query or fragment: it is the address fedgate appends its paths to';
    for (const url of [
      'https://fedgate.example.com/?x=1',
      'https://fedgate.example.com/#top',
      'https://ops:pw@fedgate.example.com',
    ]) {
      expect(issuesOf(parse(`server: { publicUrl: "${url}" }\n${VALID}`))).toEqual([
        `server.publicUrl: ${message}`,
      ]);
    }
    const behindProxy = parse(`server: { publicUrl: "https://example.com/fedgate" }\n${VALID}`);
    expect(behindProxy.ok && behindProxy.config.server.publicUrl).toBe('https://example.com/fedgate');
  });

  it('refuses an empty Redis key prefix', () => {
    expect(
      issuesOf(parse(`store: { type: redis, url: "redis://127.0.0.1", keyPrefix: "" }\n${VALID}`)),
    ).toEqual([
      'store.keyPrefix: must not be empty (fedgate keys would mix with other data in the database)',
    ]);
  });

  it('keeps each backend region in its partition', () => {
    const text = `
connectors: [{ id: x, type: static, users: [{ username: a, passwordHash: "${HASH}" }] }]
backends:
  - { id: gov, type: sts, partition: aws-us-gov }
  - { id: cn, type: sts, region: cn-north-1 }
  - { id: ok, type: sts, partition: aws-cn, region: cn-northwest-1 }
`;
    expect(issuesOf(parse(text))).toEqual([
      'backends[0].region: us-east-1 is in partition aws, not aws-us-gov (set region, e.g. us-gov-west-1, or partition)',
      'backends[1].region: cn-north-1 is in partition aws-cn, not aws (set region, e.g. us-east-1, or partition)',
    ]);
  });

  it('reports a missing section and a missing discriminator as required', () => {
    expect(issuesOf(parse('store: {}\n'))).toEqual(['store.type: is required', 'connectors: is required']);
  });

  it('reports an empty file and a file that is not a mapping at the root', () => {
    expect(issuesOf(parse(''))).toEqual(['(root): the file is empty (it must list at least connectors)']);
    expect(issuesOf(parse('- a\n- b\n'))).toEqual(['(root): must be a mapping']);
  });

  it('reports every YAML syntax error with its line and column, and nothing else', () => {
    const issues = issuesOf(parse('connectors: []\nconnectors: []\nbackends: [a, b\nx: "open\n'));
    expect(issues[0]).toBe('line 2, column 1: Map keys must be unique');
    expect(issues.length).toBeGreaterThan(1);
    expect(issues.every((issue) => /^line \d+, column \d+: /.test(issue))).toBe(true);
  });

  it('rejects a file over 1 MiB without parsing it', () => {
    const text = `# ${'x'.repeat(1024 * 1024)}\n`;
    expect(issuesOf(parseConfig(text, { baseDir: '/', source: 'big.yaml' }))).toEqual([
      `(root): big.yaml is larger than 1 MiB (${text.length} bytes)`,
    ]);
  });

  it('rejects alias bombs', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const name of ['b', 'c', 'd', 'e', 'f']) {
      const previous = String.fromCharCode(name.charCodeAt(0) - 1);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    expect(issuesOf(parse(levels.join('\n')))).toEqual([
      expect.stringMatching(/^\(root\): aliases expand too far/),
    ]);
  });

  it('resolves env and file references, whole and embedded, and $${ escapes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedgate-config-'));
    try {
      writeFileSync(join(dir, 'secret-key'), 'file-secret-value\n');
      const text = VALID.replace(
        '{ id: aws, type: sts }',
        [
          '{ id: aws, type: sts, endpoint: "http://${env:STS_HOST}:8090",',
          '    credentials: { accessKeyId: "${env:KEY_ID}", secretAccessKey: "${file:secret-key}" } }',
        ].join('\n'),
      ).replace(
        '{ name: ReadOnly, roleName: fedgate-ReadOnly }',
        // A function, because `$$` means something in a replacement string.
        () => '{ name: ReadOnly, roleName: fedgate-ReadOnly, description: "costs $${cost} and $5" }',
      );
      const result = parseConfig(text, {
        env: { STS_HOST: 'sts.local', KEY_ID: 'AKIAEXAMPLEEXAMPLE' },
        baseDir: dir,
      });
      if (!result.ok) {
        throw new Error(JSON.stringify(result.issues));
      }
      expect(result.config.backends[0]).toMatchObject({
        endpoint: 'http://sts.local:8090',
        credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE', secretAccessKey: 'file-secret-value' },
      });
      expect(result.config.permissionSets[0]?.description).toBe('costs ${cost} and $5');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never puts a resolved secret into a message', () => {
    const secret = 'hunter2-secret';
    const text = VALID.replace('name: prod,', 'name: "${env:NAME}",').replace(
      '{ id: aws, type: sts }',
      '{ id: aws, type: sts, credentials: { accessKeyId: "${env:SECRET}", secretAccessKey: x } }',
    );
    const result = parse(text, { SECRET: secret, NAME: `${secret}!` });
    const issues = issuesOf(result);
    expect(issues).toEqual([
      'backends[0].credentials.accessKeyId: must be an access key id',
      'accounts[0].name: must be 1–64 letters, digits or _.+=@-',
      'assignments[0].accounts[0]: unknown account "prod" (known: <redacted> (111111111111))',
    ]);
    expect(JSON.stringify(result)).not.toContain(secret);
  });

  it('does not also report a schema issue for a value whose reference failed', () => {
    expect(issuesOf(parse(`server: { port: "\${env:PORT}" }\n${VALID}`))).toEqual([
      'server.port: environment variable PORT is not set',
    ]);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fedgate-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads a valid file, resolving file references from its directory', () => {
    writeFileSync(join(dir, 'config.yaml'), VALID.replace('name: prod,', 'name: "${file:./name.txt}",'));
    writeFileSync(join(dir, 'name.txt'), 'prod\r\n');
    const config = loadConfig(join(dir, 'config.yaml'), { env: {} });
    expect(config.accounts[0]?.name).toBe('prod');
  });

  it('throws a ConfigError listing every issue, one per line', () => {
    const path = join(dir, 'config.yaml');
    writeFileSync(path, 'server: { port: 0, prot: 1 }\n');
    const error = thrownBy(() => loadConfig(path, { env: {} }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('config_invalid');
    expect((error as ConfigError).message).toBe(
      [
        `${path} is invalid:`,
        // Missing keys have no place in the text; they sort where their parent starts.
        '  connectors: is required',
        '  server.port: must be at least 1',
        '  server.prot: unknown key',
      ].join('\n'),
    );
    expect((error as ConfigError).issues).toHaveLength(3);
  });

  it('throws a ConfigError for a file it cannot read', () => {
    const path = join(dir, 'missing.yaml');
    expect(() => loadConfig(path)).toThrow(new ConfigError(`cannot read ${path}: no such file`, []));
    expect(() => loadConfig(dir)).toThrow(`cannot read ${dir}: it is a directory`);
  });
});

/** What a function threw; fails the test when it returns. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
