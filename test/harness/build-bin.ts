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
  const { mains, outDir } = await buildBins([binName], outName);
  return { main: mains[0]!, outDir };
}

/**
 * buildBin for several `bin` entries in one compilation, into one
 * `dist/<outName>` laid out like `dist/` (so its `apps/` and `libs/` can be
 * copied under a package's `dist/` as they are).
 */
export async function buildBins(
  binNames: readonly string[],
  outName: string,
): Promise<{ mains: string[]; outDir: string }> {
  const packageJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  const binPaths = binNames.map((binName) => {
    const binPath = packageJson.bin[binName];
    if (binPath === undefined) {
      throw new Error(`package.json has no bin entry ${binName}`);
    }
    return binPath;
  });
  const outDir = join(REPO, 'dist', outName);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const project = join(outDir, 'tsconfig.json');
  const sources = binPaths.map((binPath) =>
    join(REPO, binPath.replace(/^dist\//, '').replace(/\.js$/, '.ts')),
  );
  writeFileSync(
    project,
    JSON.stringify({
      extends: join(REPO, 'tsconfig.build.json'),
      // Relative: tsc-alias joins even an absolute outDir onto the config's directory.
      compilerOptions: { outDir: '.' },
      include: [],
      files: sources,
    }),
  );
  await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', project], { cwd: REPO });
  await run(process.execPath, [require.resolve('tsc-alias/dist/bin/index.js'), '-p', project], { cwd: REPO });
  await run(process.execPath, [join(REPO, 'scripts', 'copy-build-assets.cjs'), outDir], { cwd: REPO });
  return { mains: binPaths.map((binPath) => join(outDir, binPath.replace(/^dist\//, ''))), outDir };
}
