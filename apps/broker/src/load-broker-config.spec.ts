import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@fedgate/config';
import { loadBrokerConfig } from './load-broker-config';

describe('loadBrokerConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fedgate-broker-config-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the embedded demo when FEDGATE_CONFIG is not set', async () => {
    const { path, config } = await loadBrokerConfig({});
    expect(path).toMatch(/config\/demo\.yaml$/);
    expect(config.server.port).toBe(8080);
    expect(config.store).toEqual({ type: 'memory' });
  });

  it('lets PORT override the configured port, and refuses a PORT that is not a port', async () => {
    expect((await loadBrokerConfig({ PORT: '9191' })).config.server.port).toBe(9191);
    await expect(loadBrokerConfig({ PORT: 'eighty' })).rejects.toThrow(
      'server.port: is overridden by the environment variable PORT, which must be a port number (1–65535), not "eighty"',
    );
    await expect(loadBrokerConfig({ PORT: '70000' })).rejects.toThrow(ConfigError);
  });

  it('prefers --config to FEDGATE_CONFIG', async () => {
    const path = join(dir, 'other-port.yaml');
    writeFileSync(path, 'server: { port: 9292 }\nconnectors: [{ id: x, type: static, users: [] }]\n');
    await expect(
      loadBrokerConfig({ FEDGATE_CONFIG: '/nonexistent.yaml' }, ['--config', path]),
    ).rejects.toThrow('users: must list at least one user');
    await expect(loadBrokerConfig({}, [`--config=${path}`])).rejects.toThrow(path);
    await expect(loadBrokerConfig({}, ['--config'])).rejects.toThrow('--config needs a file name');
  });

  it('refuses a broken FEDGATE_CONFIG, listing every problem', async () => {
    const path = join(dir, 'broken.yaml');
    writeFileSync(path, 'server: { port: -1 }\nconnectors: []\nsurprise: true\n');
    const caught: unknown = await loadBrokerConfig({ FEDGATE_CONFIG: path }).catch((error: unknown) => error);
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues.map((issue) => issue.path)).toEqual([
      'server.port',
      'connectors',
      'surprise',
    ]);
  });

  it('refuses a file whose signing key the broker could not use, before building anything', async () => {
    const path = join(dir, 'bad-key.yaml');
    writeFileSync(
      path,
      [
        'connectors: [{ id: x, type: static, users: [{ username: a, passwordHash: "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$m1rlnJxXIEcXFdgJ0YqXrS+jxF7V3HvXgaGrFYcBnYg=" }] }]',
        'issuance: { webIdentity: { signingKeys: [{ privateKey: "${env:KEY}" }] } }',
        '',
      ].join('\n'),
    );
    const caught: unknown = await loadBrokerConfig({ FEDGATE_CONFIG: path, KEY: 'not a PEM key' }).catch(
      (error: unknown) => error,
    );
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues).toEqual([
      {
        path: 'issuance.webIdentity.signingKeys[0].privateKey',
        message: 'must be a PEM private key (-----BEGIN PRIVATE KEY-----)',
      },
    ]);
    expect((caught as ConfigError).message).not.toContain('not a PEM key');
  });
});
