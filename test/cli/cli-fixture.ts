import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@fedgate/logging';
import { parseStsLocalConfig } from '../../apps/sts-local/src/config/load-sts-local-config';
import { startStsLocal } from '../../apps/sts-local/src/server/sts-local-server';
import { configFrom, LogCapture, startBroker, type RunningBroker } from '../broker/broker-harness';
import { buildBin } from '../harness/build-bin';
import { freePort } from '../harness/processes';

const CONFIG_DIR = join(__dirname, '..', '..', 'config');

/** A demo file (config/) with its fixed loopback ports moved to the ones this run got. */
function demoFile(name: string, brokerPort: number, stsPort: number): string {
  return readFileSync(join(CONFIG_DIR, name), 'utf8')
    .replaceAll('127.0.0.1:8080', `127.0.0.1:${brokerPort}`)
    .replaceAll('127.0.0.1:8090', `127.0.0.1:${stsPort}`)
    .replace('port: 8080', `port: ${brokerPort}`)
    .replace('port: 8090', `port: ${stsPort}`);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The demo (broker + sts-local, as `npm start` runs them) and the built `fedgate` bin. */
export interface CliDemo {
  broker: RunningBroker;
  stsUrl: string;
  stsLogs: LogCapture;
  main: string;
  /** A home directory of its own: XDG dirs, ~/.aws, nothing of the machine's. */
  home: string;
  /** The environment the AWS tools and fedgate run with: the home above, sts-local as STS. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startCliDemo(outName: string): Promise<CliDemo> {
  const [brokerPort, stsPort] = [await freePort(), await freePort()];
  const stsLogs = new LogCapture();
  const sts = await startStsLocal(
    parseStsLocalConfig(demoFile('sts-local.demo.yaml', brokerPort, stsPort), {
      env: {},
      baseDir: CONFIG_DIR,
      source: 'config/sts-local.demo.yaml',
    }),
    { logger: createLogger({ level: 'info', destination: stsLogs }) },
  );
  const broker = await startBroker(configFrom(demoFile('demo.yaml', brokerPort, stsPort)), {
    port: brokerPort,
  });
  const { main } = await buildBin('fedgate', outName);
  const home = mkdtempSync(join(tmpdir(), 'fedgate-cli-home-'));
  mkdirSync(join(home, '.aws'), { mode: 0o700 });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  return {
    broker,
    stsUrl: sts.url,
    stsLogs,
    main,
    home,
    env,
    async stop() {
      await broker.stop();
      await sts.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Runs a program to its end with the given environment (only that: nothing of this process leaks in). */
export function runProgram(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  input = '',
  cwd?: string,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** `fedgate ARGS` from the built bin. */
export function fedgate(
  demo: CliDemo,
  args: readonly string[],
  env: Record<string, string> = demo.env,
): Promise<RunResult> {
  return runProgram(process.execPath, [demo.main, ...args], env);
}

/** Starts a long-running `fedgate ARGS` and resolves once its stdout has `lines` lines. */
export function startFedgate(
  demo: CliDemo,
  args: readonly string[],
  lines: number,
): Promise<{ child: ChildProcess; stdout: string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [demo.main, ...args], {
      env: demo.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      if (stdout.split('\n').length > lines) {
        resolve({ child, stdout, stderr: () => stderr });
      }
    });
    child.on('error', reject);
    child.once('exit', (code) => {
      reject(new Error(`fedgate ${args.join(' ')} exited with ${String(code)}: ${stderr}`));
    });
  });
}

/** How many `POST /api/v1/credentials` the broker answered (its request log lines). */
export function credentialRequests(demo: CliDemo): number {
  return demo.broker.logs
    .lines()
    .filter((line) => line.msg === 'request' && line.method === 'POST' && line.path === '/api/v1/credentials')
    .length;
}
