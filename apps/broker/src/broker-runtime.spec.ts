import { Writable } from 'node:stream';
import { brokerStartupIssues, parseConfig } from '@fedgate/broker-config';
import { ConfigError } from '@fedgate/config';
import { createLogger } from '@fedgate/logging';
import { createBrokerRuntime } from './broker-runtime';

function configWithLdap(extra: string, backends = '') {
  const result = parseConfig(
    `
connectors:
  - id: corp
    type: ldap
    url: ldap://127.0.0.1:1
    ${extra}
    bindDn: cn=svc
    bindPassword: x
    userSearch: { baseDn: "dc=example,dc=com" }
${backends}
`,
    { env: {}, baseDir: __dirname },
  );
  if (!result.ok) {
    throw new Error(JSON.stringify(result.issues));
  }
  return result.config;
}

async function startupLines(extra: string, backends = ''): Promise<string> {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  const runtime = await createBrokerRuntime(configWithLdap(extra, backends), {
    logger: createLogger({ level: 'info', destination }),
  });
  await runtime.close();
  return text;
}

describe('createBrokerRuntime', () => {
  it('warns at start-up about an LDAP connector allowed to send passwords in clear', async () => {
    const lines = await startupLines('insecure: true');
    expect(lines).toContain('"level":40');
    expect(lines).toContain('in clear text (insecure: true)');
    expect(lines).toContain('"connector":"corp"');
  });

  it('does not warn when StartTLS protects ldap://', async () => {
    expect(await startupLines('startTls: true')).not.toContain('clear text');
  });

  it('warns about STS and federation endpoints reached over plain http on another machine', async () => {
    const lines = await startupLines(
      'startTls: true',
      `backends:
  - { id: remote, type: sts, endpoint: "http://sts.internal.example", signinUrl: "http://127.0.0.1:8090/federation" }
  - { id: local, type: sts, endpoint: "http://127.0.0.1:8090", signinUrl: "https://signin.aws.amazon.com/federation" }`,
    );
    const warnings = lines
      .split('\n')
      .filter((line) => line.includes('plain http'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(warnings.map(({ backend, key }) => ({ backend, key }))).toEqual([
      { backend: 'remote', key: 'endpoint' },
    ]);
  });

  it('refuses to start with a signing key it cannot use, naming where it is configured', async () => {
    const config = configWithLdap(
      'startTls: true',
      'issuance: { webIdentity: { signingKeys: [{ privateKey: "not a PEM key" }] } }',
    );
    const started = createBrokerRuntime(config, { logger: createLogger({ level: 'silent' }) });
    await expect(started).rejects.toThrow(/issuance\.webIdentity\.signingKeys\[0\]\.privateKey/);
    await expect(started).rejects.not.toThrow(/not a PEM key/);
  });

  it('refuses with every start-up issue, the ones fedgate config validate reports', async () => {
    const config = configWithLdap(
      'startTls: true',
      'issuance: { webIdentity: { signingKeys: [{ privateKey: "not a PEM key" }, { privateKey: "-----BEGIN PUBLIC KEY-----" }] } }',
    );
    const expected = await brokerStartupIssues(config);
    expect(expected.map((issue) => issue.path)).toEqual([
      'issuance.webIdentity.signingKeys[0].privateKey',
      'issuance.webIdentity.signingKeys[1].privateKey',
    ]);
    const refusal: unknown = await createBrokerRuntime(config, {
      logger: createLogger({ level: 'silent' }),
    }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ConfigError);
    expect((refusal as ConfigError).issues).toEqual(expected);
  });
});
