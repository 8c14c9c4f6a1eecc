import { createServer, type AddressInfo } from 'node:net';

/**
 * Runs `operation` from `concurrency` loops for `seconds` and answers the completed operations
 * per second. Any failure fails the measurement, naming the first: a bench never reports a rate
 * of work that was not done.
 */
export async function measureConcurrent(
  name: string,
  operation: () => Promise<void>,
  options: { seconds: number; concurrency: number; unit: string },
): Promise<number> {
  const deadline = Date.now() + options.seconds * 1000;
  let completed = 0;
  let failed = 0;
  let firstFailure: unknown;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (Date.now() < deadline) {
        try {
          await operation();
          completed += 1;
        } catch (error) {
          failed += 1;
          firstFailure ??= error;
        }
      }
    }),
  );
  const rate = completed / options.seconds;
  console.log(`${name}: ${rate.toFixed(1)} ${options.unit}/s (${completed} ok, ${failed} failed)`);
  if (failed > 0) {
    throw new Error(`${name}: ${failed} ${options.unit} failed, the first: ${String(firstFailure)}`);
  }
  return rate;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** A loopback port nothing listens on now. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => {
        resolve(port);
      });
    });
  });
}
