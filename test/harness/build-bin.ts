import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = resolve(__dirname, '..', '..');

/**
 * Builds one `bin` entry of package.json the way `npm run build` does (tsc
 * with tsconfig.build.json, then tsc-alias), but only that entry's import
 * graph and into `dist/<outName>`: work in progress elsewhere cannot break
 * the test, and a concurrent `npm run build` cannot hand it half-written
 * files. Returns the compiled entry point, laid out as the bin path says.
 */
export async function buildBin(binName: string, outName: string): Promise<{ main: string; outDir: string }> {
  const packageJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  const binPath = packageJson.bin[binName];
  if (binPath === undefined) {
    throw new Error(`package.json has no bin entry ${binName}`);
  }
  const outDir = join(REPO, 'dist', outName);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const project = join(outDir, 'tsconfig.json');
  const source = binPath.replace(/^dist\//, '').replace(/\.js$/, '.ts');
  writeFileSync(
    project,
    JSON.stringify({
      extends: join(REPO, 'tsconfig.build.json'),
      // Relative: tsc-alias joins even an absolute outDir onto the config's directory.
      compilerOptions: { outDir: '.' },
      include: [],
      files: [join(REPO, source)],
    }),
  );
  await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project], { cwd: REPO });
  await run(process.execPath, [require.resolve('tsc-alias/dist/bin/index.js'), '-p', project], { cwd: REPO });
  return { main: join(outDir, binPath.replace(/^dist\//, '')), outDir };
}
