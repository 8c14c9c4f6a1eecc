/**
 * No container engine runs here, so the Dockerfile is checked as text: what the image promises
 * (docs/deployment.md) is in its final stage. What it runs is tested by production-install.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..', '..');

interface Stage {
  name: string | undefined;
  instructions: { keyword: string; args: string }[];
}

/** The Dockerfile's stages, continuation lines joined and comments dropped. */
function stages(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const result: Stage[] = [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      result.push({ name: /\bAS\s+(\S+)/i.exec(args)?.[1], instructions: [] });
    } else if (result.length > 0) {
      result.at(-1)!.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return result;
}

describe('the Dockerfile', () => {
  const all = stages(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
  const final = all.at(-1)!;
  const finalArgs = (keyword: string): string[] =>
    final.instructions.filter((instruction) => instruction.keyword === keyword).map(({ args }) => args);

  it('builds in stages and runs as a user that is not root', () => {
    expect(all.length).toBeGreaterThanOrEqual(3);
    const user = finalArgs('USER').at(-1);
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('takes node_modules only from a stage installed without dev dependencies', () => {
    const copies = finalArgs('COPY').filter((args) => args.includes('node_modules'));
    expect(copies).toHaveLength(1);
    const from = /--from=(\S+)/.exec(copies[0]!)?.[1];
    const source = all.find((stage) => stage.name === from);
    expect(
      source?.instructions.some(
        ({ keyword, args }) => keyword === 'RUN' && /npm ci\b.*--omit=dev/.test(args),
      ),
    ).toBe(true);
  });

  it('says how it is checked and stopped, and starts the broker bin with a mounted config', () => {
    expect(finalArgs('HEALTHCHECK').join(' ')).toContain('/healthz');
    expect(finalArgs('STOPSIGNAL')).toEqual(['SIGTERM']);
    const packageJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(finalArgs('ENTRYPOINT').join(' ')).toContain(packageJson.bin['fedgate-broker']);
    expect(finalArgs('CMD').join(' ')).toContain('/etc/fedgate/fedgate.yaml');
  });

  it('bakes in no configuration or secret', () => {
    const copied = finalArgs('COPY').join('\n');
    expect(copied).not.toMatch(/config|secret|\.env|\.pem|\.key/i);
    const ignored = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'node_modules', 'dist', 'creds.json']));
  });
});
