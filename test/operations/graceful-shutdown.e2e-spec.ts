/**
 * Graceful shutdown of a broker process: on SIGTERM a request in flight (held up by a slow STS)
 * still gets its credentials, a new request is refused, and the process then exits by itself.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpClient } from '../broker/broker-harness';
import { brokerYaml, env, stsLocalYaml } from '../broker/issuance-fixture';
import { ALICE_PASSWORD } from '../broker/slice-config';
import { buildBin } from '../harness/build-bin';
import { freePort, makeTempDir, sleep, startProcess, type RunningProcess } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

const STS_DELAY_MS = 3_000;

/** A loopback TCP proxy to sts-local that holds every chunk a client sends for STS_DELAY_MS. */
async function slowProxy(
  target: URL,
): Promise<{ url: string; chunks: () => number; close: () => Promise<void> }> {
  let chunks = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      chunks += 1;
      setTimeout(() => upstream.write(chunk), STS_DELAY_MS);
    });
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    chunks: () => chunks,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe('a broker process on SIGTERM', () => {
  let dir: string;
  let sts: TestStsLocal;
  let proxy: Awaited<ReturnType<typeof slowProxy>>;
  let broker: RunningProcess;
  let url: string;

  beforeAll(async () => {
    dir = await makeTempDir('fedgate-shutdown-');
    const [{ main }, port] = await Promise.all([
      buildBin('fedgate-broker', 'graceful-shutdown-broker'),
      freePort(),
    ]);
    url = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(url), env));
    proxy = await slowProxy(new URL(sts.url));
    const configPath = join(dir, 'fedgate.yaml');
    writeFileSync(configPath, await brokerYaml(url, proxy.url));
    broker = await startProcess({
      command: process.execPath,
      args: [main, '--config', configPath],
      env: { ...env, PORT: String(port) },
      ready: async () => (await fetch(`${url}/healthz`)).ok,
      timeoutMs: 30_000,
    });
  }, 180_000);

  afterAll(async () => {
    await broker.stop();
    await proxy.close();
    await sts.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the request in flight, refuses new ones, then exits', async () => {
    const alice = new HttpClient(url);
    expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
    const before = proxy.chunks();
    const inFlight = alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Developer' },
    });
    // The broker has sent its AssumeRole on: the request is in flight, held at the slow STS.
    for (let waited = 0; proxy.chunks() === before && waited < 10_000; waited += 20) {
      await sleep(20);
    }
    expect(proxy.chunks()).toBeGreaterThan(before);
    process.kill(broker.pid, 'SIGTERM');

    // A new request: refused (connection refused, 503 on a kept-alive connection, or a connection
    // accepted just before the listener closed and then closed unanswered: undici's
    // UND_ERR_SOCKET, or a reset), never served.
    let refused: string | undefined;
    for (let attempt = 0; attempt < 50 && refused === undefined; attempt += 1) {
      try {
        const answer = await fetch(`${url}/api/v1/me`, { headers: { connection: 'close' } });
        await answer.text();
        if (answer.status === 503) {
          refused = '503';
        }
      } catch (error) {
        refused = String((error as { cause?: { code?: string } }).cause?.code ?? error);
      }
      if (refused === undefined) {
        await sleep(20);
      }
    }
    expect(['503', 'ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET']).toContain(refused);
    expect(broker.exited()).toBe(false);

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/) as unknown });

    for (let waited = 0; !broker.exited() && waited < 10_000; waited += 50) {
      await sleep(50);
    }
    expect(broker.exited()).toBe(true);
    expect(broker.output()).toContain('"msg":"stopped"');
  });
});
