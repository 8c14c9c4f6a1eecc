/**
 * `npm run docs:sts-local-schema`: writes docs/sts-local.schema.json, the JSON
 * Schema of sts-local's configuration file for editors, from the zod schema
 * that validates it. test/docs/editor-schema.int-spec.ts fails when the
 * committed file differs from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { editorJsonSchema } from '@fedgate/broker-config';
import { stsLocalConfigSchema } from '../apps/sts-local/src/config/sts-local-config';
import { prettierFormatted } from './generate-config-reference';

/** Where the schema is published, relative to the repository's root. */
export const STS_LOCAL_SCHEMA_PATH = 'docs/sts-local.schema.json';

/** The schema's text as it is committed: JSON, formatted as `npm run format` would. */
export function stsLocalSchemaText(root: string): Promise<string> {
  const schema = editorJsonSchema(stsLocalConfigSchema, 'sts-local configuration');
  return prettierFormatted(JSON.stringify(schema, null, 2), join(root, STS_LOCAL_SCHEMA_PATH));
}

async function main(): Promise<void> {
  // npm runs scripts in the repository's root.
  const root = process.cwd();
  const path = join(root, STS_LOCAL_SCHEMA_PATH);
  const text = await stsLocalSchemaText(root);
  const before = (() => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  })();
  writeFileSync(path, text);
  process.stdout.write(`${STS_LOCAL_SCHEMA_PATH} ${before === text ? 'was current' : 'rewritten'}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
