import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@fedgate/logging';
import { runCli } from '../../apps/cli/src/program';
import { parseStsLocalConfig } from '../../apps/sts-local/src/config/load-sts-local-config';
import { startStsLocal } from '../../apps/sts-local/src/server/sts-local-server';
import { configFrom, LogCapture, startBroker, type RunningBroker } from '../broker/broker-harness';
import { freePort } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';

const CONFIG_DIR = join(__dirname, '..', '..', 'config');

/** The demo users' password (config/demo.yaml). */
export const DEMO_PASSWORD = 'fedgate-demo';

/** The demo config on this run's ports, its store in a redis-server of its own. */
function demoFile(name: string, brokerPort: number, stsPort: number, redisUrl?: string): string {
  let text = readFileSync(join(CONFIG_DIR, name), 'utf8')
    .replaceAll('127.0.0.1:8080', `127.0.0.1:${brokerPort}`)
    .replaceAll('127.0.0.1:8090', `127.0.0.1:${stsPort}`)
    .replace('port: 8080', `port: ${brokerPort}`)
    .replace('port: 8090', `port: ${stsPort}`);
  if (redisUrl !== undefined) {
    text = text.replace(
      /store:\n {2}type: memory\n/,
      `store:\n  type: redis\n  url: ${redisUrl}\n  keyPrefix: 'oauth-e2e:${randomUUID()}:'\n`,
    );
  }
  return text;
}

/** The demo (broker on Redis + sts-local) and a home directory for the CLI. */
export interface OAuthStack {
  broker: RunningBroker;
  stsUrl: string;
  redis: RedisServer;
  home: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startOAuthStack(): Promise<OAuthStack> {
  const redis = await startRedis();
  const [brokerPort, stsPort] = [await freePort(), await freePort()];
  const sts = await startStsLocal(
    parseStsLocalConfig(demoFile('sts-local.demo.yaml', brokerPort, stsPort), {
      env: {},
      baseDir: CONFIG_DIR,
      source: 'config/sts-local.demo.yaml',
    }),
    { logger: createLogger({ level: 'info', destination: new LogCapture() }) },
  );
  const yaml = demoFile('demo.yaml', brokerPort, stsPort, redis.url);
  if (!yaml.includes('type: redis')) {
    throw new Error('the demo config no longer has `store: type: memory` to replace');
  }
  const broker = await startBroker(configFrom(yaml), { port: brokerPort });
  const home = mkdtempSync(join(tmpdir(), 'fedgate-oauth-home-'));
  return {
    broker,
    stsUrl: sts.url,
    redis,
    home,
    env: { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), PATH: process.env.PATH ?? '/usr/bin:/bin' },
    async stop() {
      await broker.stop();
      await sts.close();
      await redis.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A CLI run in this process, its stderr visible while it runs (login prints a URL and waits). */
export interface CliRun {
  done: Promise<number>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` on stderr. */
  waitForStderr(pattern: RegExp): Promise<RegExpExecArray>;
}

export function startCli(argv: string[], env: Record<string, string>): CliRun {
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (match: RegExpExecArray) => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(stderr);
      if (match !== null) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  };
  const stdin = new PassThrough();
  stdin.end();
  const done = runCli(argv, {
    stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: {
      write: (text: string) => {
        stderr += text;
        check();
      },
    },
    env,
  });
  return {
    done,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStderr(pattern) {
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        check();
        void done.then(() => {
          reject(new Error(`the CLI ended before printing ${String(pattern)}: ${stderr}`));
        });
      });
    },
  };
}

/** Runs the CLI to its end. */
export async function cli(
  argv: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = startCli(argv, env);
  const code = await run.done;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
