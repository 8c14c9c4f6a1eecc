import { request } from 'node:http';
import { rm } from 'node:fs/promises';

import { freePort, makeTempDir, requireBinary, startProcess } from './processes';

const INSTALL_HINT = 'pip install "moto[server]"';
const HOST = '127.0.0.1';

/** A throwaway moto_server (AWS API emulator) for one test file. */
export interface MotoServer {
  /** The endpoint to give an STS backend, e.g. http://127.0.0.1:PORT. */
  readonly url: string;
  readonly port: number;
  output(): string;
  /** Stops the server and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

function answersHttp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = request(
      { host: HOST, port, path: '/moto-api/', method: 'GET', timeout: 1000 },
      (response) => {
        response.resume();
        resolve(true);
      },
    );
    probe.on('timeout', () => probe.destroy());
    probe.on('error', () => {
      resolve(false);
    });
    probe.end();
  });
}

/**
 * Starts moto_server on a free loopback port and resolves once it answers
 * HTTP. Throws, naming the install command, when moto_server is missing.
 */
export async function startMoto(): Promise<MotoServer> {
  const binary = requireBinary('moto_server', INSTALL_HINT);
  const port = await freePort();
  const dir = await makeTempDir('fedgate-moto-');
  try {
    const server = await startProcess({
      command: binary,
      args: ['-H', HOST, '-p', String(port)],
      cwd: dir,
      // moto must never try to reach real AWS with anything found in the environment.
      env: {
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_DEFAULT_REGION: 'us-east-1',
      },
      ready: () => answersHttp(port),
      timeoutMs: 30_000,
    });
    return {
      url: `http://${HOST}:${port}`,
      port,
      output: () => server.output(),
      async stop() {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
