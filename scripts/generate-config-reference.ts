/**
 * `npm run docs:config`: rewrites the generated reference of
 * docs/configuration.md (between its markers) from the zod schemas, formatted
 * as `npm run format` would. test/docs/config-reference.int-spec.ts fails
 * when the committed page differs from what this writes.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerConfigJsonSchema, configReferenceMarkdown, withConfigReference } from '@fedgate/broker-config';

/**
 * Markdown formatted as `npm run format` formats the file at `path`. Prettier's
 * command, not its API: the API loads its plugins with a dynamic import, which
 * jest's CommonJS runtime refuses.
 */
export function prettierFormatted(text: string, path: string): Promise<string> {
  return new Promise((resolveText, reject) => {
    const child = execFile(
      process.execPath,
      [require.resolve('prettier/bin/prettier.cjs'), '--stdin-filepath', path],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error === null) {
          resolveText(stdout);
        } else {
          reject(new Error(`prettier could not format ${path}: ${error.message}`));
        }
      },
    );
    child.stdin?.end(text);
  });
}

/** The page with a freshly generated reference, formatted with the repository's prettier settings. */
export async function generatedConfigurationPage(page: string, path: string): Promise<string> {
  const reference = configReferenceMarkdown(brokerConfigJsonSchema());
  return prettierFormatted(withConfigReference(page, reference), path);
}

async function main(): Promise<void> {
  // npm runs scripts in the repository's root.
  const path = join(process.cwd(), 'docs', 'configuration.md');
  const page = readFileSync(path, 'utf8');
  const generated = await generatedConfigurationPage(page, path);
  writeFileSync(path, generated);
  process.stdout.write(
    generated === page ? 'docs/configuration.md was current\n' : 'docs/configuration.md rewritten\n',
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
