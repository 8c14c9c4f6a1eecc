import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from './broker-config-file';

// docs/configuration.md promises a full example that is valid; keep the promise checked.
const DOC = join(__dirname, '..', '..', '..', 'docs', 'configuration.md');
const HASH = '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$m1rlnJxXIEcXFdgJ0YqXrS+jxF7V3HvXgaGrFYcBnYg=';

function fullExample(): string {
  const doc = readFileSync(DOC, 'utf8');
  const section = doc.slice(doc.indexOf('## A full example'));
  const match = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) {
    throw new Error('docs/configuration.md has no full example');
  }
  return match[1];
}

describe('the full example in docs/configuration.md', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fedgate-docs-'));
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'oncall-password-hash'), `${HASH}\n`);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is valid once its references resolve', () => {
    const result = parseConfig(fullExample(), { env: { REDIS_PASSWORD: 'p4ss' }, baseDir: dir });
    expect(result.ok ? [] : result.issues).toEqual([]);
    expect(result.ok && result.config.store).toEqual({
      type: 'redis',
      url: 'rediss://:p4ss@redis.internal:6380/0',
      keyPrefix: 'fedgate:',
      connectTimeout: 5,
    });
  });

  it('fails without them, naming each', () => {
    const result = parseConfig(fullExample(), { env: {}, baseDir: join(dir, 'elsewhere') });
    expect(result.ok ? [] : result.issues).toEqual([
      { path: 'store.url', message: 'environment variable REDIS_PASSWORD is not set' },
      {
        path: 'connectors[0].users[0].passwordHash',
        message: 'cannot read file secrets/oncall-password-hash: no such file',
      },
    ]);
  });
});
