/**
 * The broker and sts-local run from a production install: the built `dist/`, and
 * `npm ci --omit=dev` from the committed lockfile (what the container image does). A
 * runtime import of a devDependency, or a bin entry that does not start, fails here.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { HttpClient } from '../broker/broker-harness';
import { buildBins } from '../harness/build-bin';
import { fetchNode22, npmCli } from '../harness/node22';
import { freePort, makeTempDir, startProcess, type RunningProcess } from '../harness/processes';

const run = promisify(execFile);
const REPO = resolve(__dirname, '..', '..');
// npm's script, which also runs under the registry's Node 22 (that carries no npm of its own).
const NPM_CLI = npmCli();

interface PackageJson {
  bin: Record<string, string>;
  devDependencies: Record<string, string>;
}

/** A demo file with its fixed loopback ports moved to the ones this run got. */
function demoFile(name: string, brokerPort: number, stsPort: number): string {
  return readFileSync(join(REPO, 'config', name), 'utf8')
    .replaceAll('127.0.0.1:8080', `127.0.0.1:${brokerPort}`)
    .replaceAll('127.0.0.1:8090', `127.0.0.1:${stsPort}`);
}

async function httpOk(url: string): Promise<boolean> {
  return (await fetch(url)).ok;
}

describe('a production install (npm ci --omit=dev)', () => {
  const packageJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as PackageJson;
  let root: string;
  let node22: string;
  const running: RunningProcess[] = [];

  beforeAll(async () => {
    root = await makeTempDir('fedgate-production-');
    const { outDir } = await buildBins(Object.keys(packageJson.bin), 'production-install');
    cpSync(outDir, join(root, 'dist'), {
      recursive: true,
      filter: (path) => !path.endsWith('tsconfig.json'),
    });
    for (const file of ['package.json', 'package-lock.json']) {
      cpSync(join(REPO, file), join(root, file));
    }
    cpSync(join(REPO, 'config'), join(root, 'config'), { recursive: true });
    // From npm's cache when it holds the packages (it does after the repository's own npm ci).
    await run(
      process.execPath,
      [NPM_CLI, 'ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    );
    // Node 22 as the npm registry ships it (the platform's node binary package), cached between runs.
    node22 = await fetchNode22();
  }, 300_000);

  afterAll(async () => {
    await Promise.all(running.map((process) => process.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  it('holds no package that only development needs', () => {
    // The lockfile marks every package that only devDependencies pull in with "dev": true.
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, entry]) => entry.dev === true && path.startsWith('node_modules/'))
      .map(([path]) => path);
    expect(devOnly).toEqual(expect.arrayContaining(['node_modules/typescript', 'node_modules/jest']));
    expect(devOnly.filter((path) => existsSync(join(root, path)))).toEqual([]);
  });

  /** Starts both servers of the install with this node, signs alice in and gets credentials. */
  async function signInAndIssue(node: string): Promise<void> {
    const [brokerPort, stsPort] = [await freePort(), await freePort()];
    const brokerConfig = join(root, 'broker.yaml');
    const stsConfig = join(root, 'sts-local.yaml');
    writeFileSync(brokerConfig, demoFile('demo.yaml', brokerPort, stsPort));
    writeFileSync(stsConfig, demoFile('sts-local.demo.yaml', brokerPort, stsPort));
    // What `npm install -g` or an image's entrypoint would run: the package's bin entries.
    const bin = (name: string): string => join(root, packageJson.bin[name]!);

    running.push(
      await startProcess({
        command: node,
        args: [bin('fedgate-sts-local'), '--config', stsConfig, '--port', String(stsPort)],
        cwd: root,
        ready: () => httpOk(`http://127.0.0.1:${stsPort}/healthz`),
      }),
    );
    running.push(
      await startProcess({
        command: node,
        args: [bin('fedgate-broker'), '--config', brokerConfig],
        cwd: root,
        env: { PORT: String(brokerPort) },
        ready: () => httpOk(`http://127.0.0.1:${brokerPort}/readyz`),
        timeoutMs: 30_000,
      }),
    );

    // The portal's templates and static files came with the build.
    const portal = await fetch(`http://127.0.0.1:${brokerPort}/`);
    expect(portal.status).toBe(200);
    expect(await portal.text()).toContain('<form');
    expect((await fetch(`http://127.0.0.1:${brokerPort}/portal/assets/portal.css`)).status).toBe(200);
    const alice = new HttpClient(`http://127.0.0.1:${brokerPort}`);
    expect((await alice.login('demo', 'alice', 'fedgate-demo')).status).toBe(200);
    const issued = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'demo', permissionSet: 'Developer' },
    });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/) as unknown });

    const { stdout } = await run(node, [bin('fedgate'), '--version'], { cwd: root });
    expect(stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version,
    );
  }

  it(`runs fedgate-sts-local and fedgate-broker on this Node (${process.version}), which sign alice in and issue credentials`, async () => {
    await signInAndIssue(process.execPath);
  });

  it('runs them on Node 22 as well', async () => {
    const { stdout } = await run(node22, ['--version']);
    expect(stdout).toMatch(/^v22\./);
    await signInAndIssue(node22);
  });
});
