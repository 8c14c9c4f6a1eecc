import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { PUBLISHED_SCHEMA_PATH } from '@fedgate/broker-config';
import { runCli } from '../../apps/cli/src/program';
import { REPO_ROOT } from './markdown-blocks';

/** `fedgate config schema`, in-process. */
async function generatedSchema(): Promise<string> {
  let stdout = '';
  const code = await runCli(['config', 'schema'], {
    stdin: process.stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => true },
    env: {},
  });
  expect(code).toBe(0);
  return stdout;
}

describe('the published JSON Schema of the configuration file', () => {
  const published = readFileSync(join(REPO_ROOT, PUBLISHED_SCHEMA_PATH), 'utf8');
  const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(
    JSON.parse(published) as object,
  );

  it('is what the zod schemas generate today (npm run docs:schema rewrites it)', async () => {
    expect(published).toBe(await generatedSchema());
  });

  it('accepts the demo configuration, which points editors at it', () => {
    const demo = readFileSync(join(REPO_ROOT, 'config', 'demo.yaml'), 'utf8');
    expect(demo.split('\n')[0]).toBe(`# yaml-language-server: $schema=../${PUBLISHED_SCHEMA_PATH}`);
    expect(validate(parse(demo))).toBe(true);
  });

  it('refuses a misspelt key and a value of the wrong type, as an editor would show', () => {
    const demo = parse(readFileSync(join(REPO_ROOT, 'config', 'demo.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(validate({ ...demo, sesion: {} })).toBe(false);
    expect(validate({ ...demo, server: { port: 'eighty' } })).toBe(false);
    expect(validate({ ...demo, store: { type: 'memcached' } })).toBe(false);
  });
});
