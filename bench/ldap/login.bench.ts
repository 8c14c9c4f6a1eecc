/**
 * Password logins per second through the broker (POST /auth/corp/login,
 * LDAP connector: service bind, search, user bind, group search) against
 * raw ldapts binds to the same slapd, in the same run. Reports the ratio.
 *
 * Run: npm run bench:ldap   (BENCH_SECONDS and BENCH_CONCURRENCY tune it)
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { Client } from 'ldapts';
import { parseConfig } from '@fedgate/broker-config';
import { createLogger } from '@fedgate/logging';
import { createBrokerApp } from '../../apps/broker/src/broker-app';
import { createBrokerRuntime } from '../../apps/broker/src/broker-runtime';
import { LDAP_BASE_DN, startSlapd } from '../../test/harness/slapd';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

/** Runs `operation` from CONCURRENCY loops for SECONDS; returns completed operations per second. */
async function measure(name: string, operation: () => Promise<void>): Promise<number> {
  const deadline = Date.now() + SECONDS * 1000;
  let completed = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        try {
          await operation();
          completed += 1;
        } catch {
          failed += 1;
        }
      }
    }),
  );
  const rate = completed / SECONDS;
  console.log(`${name}: ${rate.toFixed(1)} ops/s (${completed} ok, ${failed} failed)`);
  if (failed > 0) {
    throw new Error(`${name}: ${failed} operations failed`);
  }
  return rate;
}

async function main(): Promise<void> {
  const slapd = await startSlapd();
  const ca = readFileSync(slapd.caCertFile, 'utf8');
  const parsed = parseConfig(
    `
logging: { level: silent }
# Every login here is alice's from one address, CONCURRENCY at a time; each is counted while in
# flight (its password is not known to be right yet), so lift the limits out of the way.
loginThrottle: { maxFailuresPerUserAndClient: 1000, maxFailuresPerUser: 1000 }
connectors:
  - id: corp
    type: ldap
    url: ${slapd.ldapsUrl}
    tls: { ca: "\${file:${slapd.caCertFile}}" }
    bindDn: "${slapd.service.dn}"
    bindPassword: "${slapd.service.password}"
    userSearch: { baseDn: "ou=people,${LDAP_BASE_DN}" }
    groups: { mode: search, baseDn: "ou=groups,${LDAP_BASE_DN}" }
`,
    { env: {}, baseDir: __dirname },
  );
  if (!parsed.ok) {
    throw new Error(parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  }
  const silent = new Writable({
    write: (_chunk, _encoding, callback) => {
      callback();
    },
  });
  const runtime = await createBrokerRuntime(parsed.config, {
    logger: createLogger({ level: 'silent', destination: silent }),
  });
  const app = await createBrokerApp(runtime);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const loginUrl = `http://127.0.0.1:${port}/auth/corp/login`;
  const aliceDn = `uid=alice,ou=people,${LDAP_BASE_DN}`;

  try {
    console.log(
      `LDAP login bench: ${SECONDS}s per run, ${CONCURRENCY} concurrent, slapd over ldaps on loopback`,
    );
    const raw = await measure('raw ldapts bind (baseline)', async () => {
      const client = new Client({
        url: slapd.ldapsUrl,
        tlsOptions: { ca },
        timeout: 5000,
        connectTimeout: 5000,
      });
      await client.bind(aliceDn, 'alice-password');
      await client.unbind();
    });
    const broker = await measure('broker login (POST /auth/corp/login)', async () => {
      const response = await fetch(loginUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
      });
      await response.arrayBuffer();
      if (response.status !== 200) {
        throw new Error(`status ${response.status}`);
      }
    });
    console.log(`ratio broker / raw bind: ${(broker / raw).toFixed(2)}`);
  } finally {
    await app.close();
    await runtime.close();
    await slapd.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
