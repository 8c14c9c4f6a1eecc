import { join } from 'node:path';
import { loadConfig } from '@fedgate/broker-config';
import { loadStsLocalConfig } from '../../apps/sts-local/src/config/load-sts-local-config';

const ROOT = join(__dirname, '..', '..');

// The two demo files `npm start` runs side by side must agree; each app reads only its own.
describe('the demo configs', () => {
  it('lets the broker of config/demo.yaml assume every role its permission sets name', () => {
    const sts = loadStsLocalConfig(join(ROOT, 'config', 'sts-local.demo.yaml'), {});
    const broker = loadConfig(join(ROOT, 'config', 'demo.yaml'), { env: {} });
    const backend = broker.backends.find((candidate) => candidate.id === 'local');
    expect(backend?.endpoint).toBe(`http://${sts.server.host}:${sts.server.port}`);
    const account = sts.accounts.find((candidate) => candidate.id === '123456789012');
    const user = account?.users.find(
      (candidate) => candidate.accessKeyId === backend?.credentials?.accessKeyId,
    );
    expect(user?.secretAccessKey).toBe(backend?.credentials?.secretAccessKey);
    const roleNames = account?.roles.map((role) => role.name);
    expect(broker.permissionSets.length).toBeGreaterThan(0);
    for (const permissionSet of broker.permissionSets) {
      expect(roleNames).toContain(permissionSet.roleName);
    }
  });
});
