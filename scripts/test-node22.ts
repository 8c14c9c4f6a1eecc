/**
 * `npm run test:node22 [-- jest arguments]`: the test suite under Node 22,
 * fetched from the npm registry like the production-install test does
 * (test/harness/node22.ts) and kept in node_modules/.cache. Its bin folder
 * goes first on PATH, so the servers and CLIs the tests start run on 22 too.
 */
import { spawn } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { fetchNode22 } from '../test/harness/node22';

async function main(): Promise<void> {
  // npm runs scripts in the repository's root.
  const root = process.cwd();
  const node22 = await fetchNode22(join(root, 'node_modules', '.cache', 'fedgate-node22'));
  process.stdout.write(`running jest on ${node22}\n`);
  const jest = spawn(
    node22,
    [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, PATH: `${dirname(node22)}${delimiter}${process.env.PATH ?? ''}` },
    },
  );
  jest.on('exit', (code) => {
    process.exitCode = code ?? 1;
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
