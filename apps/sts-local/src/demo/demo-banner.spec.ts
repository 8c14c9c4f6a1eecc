import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoBanner } from './demo-banner';

describe('demoBanner', () => {
  it('names the portal URL and the demo users of config/demo.yaml with their password', () => {
    const yaml = readFileSync(join(__dirname, '..', '..', '..', '..', 'config', 'demo.yaml'), 'utf8');
    const banner = demoBanner(yaml);
    expect(banner).toContain('  Portal: http://127.0.0.1:8080/\n');
    expect(banner).toContain('password fedgate-demo');
    expect(banner).toContain('    alice (groups: developers, admins)\n');
    expect(banner).toContain('    bob (groups: developers)\n');
  });
});
