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

  it('runs the embedded demo when FEDGATE_CONFIG is not set', () => {
    const { path, config } = loadBrokerConfig({});
    expect(path).toMatch(/config\/demo\.yaml$/);
    expect(config.server.port).toBe(8080);
    expect(config.store).toEqual({ type: 'memory' });
  });

  it('lets PORT override the configured port, and refuses a PORT that is not a port', () => {
    expect(loadBrokerConfig({ PORT: '9191' }).config.server.port).toBe(9191);
    expect(() => loadBrokerConfig({ PORT: 'eighty' })).toThrow('PORT must be a port number, not "eighty"');
    expect(() => loadBrokerConfig({ PORT: '70000' })).toThrow('PORT must be a port number');
  });

  it('prefers --config to FEDGATE_CONFIG', () => {
    const path = join(dir, 'other-port.yaml');
    writeFileSync(path, 'server: { port: 9292 }\nconnectors: [{ id: x, type: static, users: [] }]\n');
    expect(() => loadBrokerConfig({ FEDGATE_CONFIG: '/nonexistent.yaml' }, ['--config', path])).toThrow(
      'users: must list at least one user',
    );
    expect(() => loadBrokerConfig({}, [`--config=${path}`])).toThrow(path);
    expect(() => loadBrokerConfig({}, ['--config'])).toThrow('--config needs a file name');
  });

  it('refuses a broken FEDGATE_CONFIG, listing every problem', () => {
    const path = join(dir, 'broken.yaml');
    writeFileSync(path, 'server: { port: -1 }\nconnectors: []\nsurprise: true\n');
    let caught: unknown;
    try {
      loadBrokerConfig({ FEDGATE_CONFIG: path });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues.map((issue) => issue.path)).toEqual([
      'server.port',
      'connectors',
      'surprise',
    ]);
  });
});
