import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePasswordHash, verifyPassword, type StaticConnectorConfig } from '@fedgate/connectors';
import { loadConfig, parseConfig } from './broker-config-file';
import type { FedgateConfig } from './broker-config.schema';

// The embedded default that `npm start` runs (docs/development.md): it must stay valid and its demo users must work.
const DEMO = join(__dirname, '..', '..', '..', 'config', 'demo.yaml');

describe('config/demo.yaml', () => {
  it('is valid and describes the documented demo', () => {
    const config = loadConfig(DEMO, { env: {} });
    expect(config.server).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'http://127.0.0.1:8080',
    });
    expect(config.store).toEqual({ type: 'memory' });
    expect(config.backends).toEqual([
      expect.objectContaining({
        id: 'local',
        type: 'sts',
        endpoint: 'http://127.0.0.1:8090',
        region: 'us-east-1',
      }),
    ]);
    expect(config.accounts).toEqual([{ id: '123456789012', name: 'demo', backend: 'local' }]);
    expect(
      config.permissionSets.map((set) => [set.name, set.roleName, set.sessionDuration, set.mode]),
    ).toEqual([
      ['Developer', 'fedgate-Developer', 3600, undefined],
      ['Admin', 'fedgate-Admin', 3600, undefined],
      ['ReadOnly', 'fedgate-ReadOnly', 14400, 'web-identity'],
    ]);
    const connector = staticDemoConnector(config);
    expect(connector).toMatchObject({ id: 'demo', type: 'static', name: 'Demo users' });
    expect(connector.users.map((user) => [user.username, user.groups, user.attributes])).toEqual([
      ['alice', ['developers', 'admins'], { department: ['Engineering'], costCenter: ['CC-1001'] }],
      ['bob', ['developers'], { department: ['Data'] }],
    ]);
  });

  it('does not depend on the environment', () => {
    const text = readFileSync(DEMO, 'utf8');
    expect(parseConfig(text, { env: {}, baseDir: '/' }).ok).toBe(true);
  });

  it.each(['alice', 'bob'])('lets %s sign in with fedgate-demo and nothing else', async (username) => {
    const config = loadConfig(DEMO, { env: {} });
    const user = staticDemoConnector(config).users.find((candidate) => candidate.username === username);
    const hash = parsePasswordHash(user?.passwordHash ?? '');
    if (typeof hash === 'string') {
      throw new Error(hash);
    }
    expect(hash.logN).toBe(14);
    await expect(verifyPassword('fedgate-demo', hash)).resolves.toBe(true);
    await expect(verifyPassword('fedgate-demo ', hash)).resolves.toBe(false);
    await expect(verifyPassword('wrong', hash)).resolves.toBe(false);
  });
});

/** The demo's one connector, which must be the static one. */
function staticDemoConnector(config: FedgateConfig): StaticConnectorConfig {
  const [connector] = config.connectors;
  if (connector?.type !== 'static') {
    throw new Error('the demo must start with the static connector');
  }
  return connector;
}
