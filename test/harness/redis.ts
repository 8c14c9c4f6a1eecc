import { realpath, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';

import { freePort, makeTempDir, requireBinary, startProcess, type RunningProcess } from './processes';

const INSTALL_HINT = 'apt-get install -y redis-server';
const HOST = '127.0.0.1';
/** freePort() can race with other processes; a second or third port almost always works. */
const START_ATTEMPTS = 3;

/** A throwaway redis-server for one test file: no persistence, bound to loopback, data in a temp dir. */
export interface RedisServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** For signalling the server directly, e.g. SIGSTOP to make it stop answering. */
  readonly pid: number;
  /** The server's captured log, for failure messages. */
  output(): string;
  /** Graceful shutdown (SIGTERM), then removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, to simulate a crash; also removes the temp dir. Idempotent. */
  kill(): Promise<void>;
}

export interface StartRedisOptions {
  /** Reuse a known port, e.g. to restart a server the test killed; default is a free port. */
  port?: number;
}

/**
 * Starts redis-server and resolves once it answers commands (and is the
 * server we started, not one that took the port first). Throws, naming the
 * install command, when redis-server is not installed.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const binary = requireBinary('redis-server', INSTALL_HINT);
  let lastError: unknown;
  for (let attempt = 0; attempt < (options.port === undefined ? START_ATTEMPTS : 1); attempt++) {
    const port = options.port ?? (await freePort());
    const dir = await realpath(await makeTempDir('fedgate-redis-'));
    try {
      const configPath = join(dir, 'redis.conf');
      await writeFile(configPath, redisConfig(port, dir));
      const server = await startProcess({
        command: binary,
        args: [configPath],
        cwd: dir,
        // Checking the data dir, not just PING, makes sure we talk to our server and not to one
        // that took the port first (ours then exits with "address in use" and we retry).
        ready: () => redisServesDir(HOST, port, dir),
      });
      return handle(server, port, dir);
    } catch (error) {
      lastError = error;
      await rm(dir, { recursive: true, force: true });
    }
  }
  throw lastError;
}

function redisConfig(port: number, dir: string): string {
  // Quoted because temp paths may contain spaces; `save ""` and `appendonly no` keep tests off the disk.
  return [
    `port ${port}`,
    `bind ${HOST}`,
    'protected-mode yes',
    'daemonize no',
    'save ""',
    'appendonly no',
    `dir "${dir}"`,
    'logfile ""',
    'loglevel notice',
    '',
  ].join('\n');
}

function handle(server: RunningProcess, port: number, dir: string): RedisServer {
  const removeDir = (): Promise<void> => rm(dir, { recursive: true, force: true });
  return {
    url: `redis://${HOST}:${port}`,
    host: HOST,
    port,
    pid: server.pid,
    output: () => server.output(),
    stop: async () => {
      await server.stop();
      await removeDir();
    },
    kill: async () => {
      await server.kill();
      await removeDir();
    },
  };
}

/** True when a Redis server answers PING on host:port. */
export function redisAnswersPing(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return redisExchange(
    host,
    port,
    'PING',
    (reply) => (reply.includes('\r\n') ? reply.startsWith('+PONG') : undefined),
    timeoutMs,
  );
}

/** True when the Redis server on host:port is ready and keeps its data in dir, i.e. is the one we started there. */
export function redisServesDir(host: string, port: number, dir: string, timeoutMs = 1000): Promise<boolean> {
  return redisExchange(
    host,
    port,
    'CONFIG GET dir',
    (reply) => {
      if (reply.startsWith('-') && reply.includes('\r\n')) {
        return false; // e.g. LOADING
      }
      return reply.includes(`\r\n${dir}\r\n`) ? true : undefined;
    },
    timeoutMs,
  );
}

/**
 * Sends one inline command and lets judge() decide from the reply so far
 * (undefined: keep reading). Speaks just enough RESP that the harness does not
 * depend on the client library the tests are exercising.
 */
function redisExchange(
  host: string,
  port: number,
  command: string,
  judge: (reply: string) => boolean | undefined,
  timeoutMs: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = '';
    const finish = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => {
      finish(false);
    });
    socket.once('error', () => {
      finish(false);
    });
    socket.once('close', () => {
      finish(false);
    });
    socket.once('connect', () => {
      socket.write(`${command}\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      const verdict = judge(received);
      if (verdict !== undefined) {
        finish(verdict);
      }
    });
  });
}
