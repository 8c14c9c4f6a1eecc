/**
 * Password logins per second through the broker (POST /auth/corp/login,
 * LDAP connector: user search, group search, user bind) against raw ldapts
 * binds to the same slapd, in the same run. Reports two ratios: against a
 * new connection per bind (the target's baseline), and against binds on
 * connections kept open, as the broker's pools keep theirs (what reuse
 * alone allows).
 *
 * The two sides alternate for BENCH_ROUNDS rounds, so drift favours
 * neither, and the median ratio is reported and written to
 * bench/.results/ldap.json.
 *
 * Run: npm run bench:ldap   (BENCH_SECONDS, BENCH_CONCURRENCY and BENCH_ROUNDS tune it)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { LDAP_BASE_DN, startSlapd } from '../../test/harness/slapd';
import { formatCount, writeBenchResults } from '../shared/results';
import { startSilentBroker } from '../shared/silent-broker';
import { measureConcurrent, median } from '../shared/load';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Operations per second of `operation` from CONCURRENCY loops (bench/shared/load.ts). */
function measure(name: string, operation: () => Promise<void>, seconds = SECONDS): Promise<number> {
  return measureConcurrent(name, operation, { seconds, concurrency: CONCURRENCY, unit: 'ops' });
}

async function main(): Promise<void> {
  const slapd = await startSlapd();
  // The audit stream goes to a file, as it would in production, not into the bench's output.
  const auditDir = mkdtempSync(join(tmpdir(), 'fedgate-bench-ldap-'));
  const ca = readFileSync(slapd.caCertFile, 'utf8');
  const broker = await startSilentBroker(
    `
logging: { level: silent }
audit: { output: file, path: "${join(auditDir, 'audit.log')}" }
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
  const { port } = broker;
  const loginUrl = `http://127.0.0.1:${port}/auth/corp/login`;
  const aliceDn = `uid=alice,ou=people,${LDAP_BASE_DN}`;

  try {
    console.log(
      `LDAP login bench: ${SECONDS}s per run, ${CONCURRENCY} concurrent, ${ROUNDS} rounds, slapd over ldaps on loopback`,
    );
    const rawBind = async (): Promise<void> => {
      const client = new Client({
        url: slapd.ldapsUrl,
        tlsOptions: { ca },
        timeout: 5000,
        connectTimeout: 5000,
      });
      await client.bind(aliceDn, 'alice-password');
      await client.unbind();
    };
    // One kept connection per concurrent loop, so a bind never waits for another's connection.
    const keptClients = Array.from(
      { length: CONCURRENCY },
      () => new Client({ url: slapd.ldapsUrl, tlsOptions: { ca }, timeout: 5000, connectTimeout: 5000 }),
    );
    const idleKept = [...keptClients];
    const keptBind = async (): Promise<void> => {
      const client = idleKept.pop();
      if (client === undefined) {
        throw new Error('no kept connection is free');
      }
      try {
        await client.bind(aliceDn, 'alice-password');
      } finally {
        idleKept.push(client);
      }
    };
    const brokerLogin = async (): Promise<void> => {
      const response = await fetch(loginUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
      });
      await response.arrayBuffer();
      if (response.status !== 200) {
        throw new Error(`status ${response.status}`);
      }
    };
    // Unmeasured warm-up of both sides: JIT, the broker's first connections and pools.
    await measure('warm-up: raw ldapts bind', rawBind, 2);
    await measure('warm-up: broker login', brokerLogin, 2);
    await measure('warm-up: raw ldapts bind, kept connections', keptBind, 2);
    const raws: number[] = [];
    const brokers: number[] = [];
    const kepts: number[] = [];
    const ratios: number[] = [];
    const keptRatios: number[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const raw = await measure(`round ${round}: raw ldapts bind (baseline)`, rawBind);
      const broker = await measure(`round ${round}: broker login (POST /auth/corp/login)`, brokerLogin);
      const kept = await measure(`round ${round}: raw ldapts bind on kept connections`, keptBind);
      raws.push(raw);
      brokers.push(broker);
      kepts.push(kept);
      ratios.push(broker / raw);
      keptRatios.push(broker / kept);
      console.log(
        `round ${round}: ratio broker / raw bind: ${(broker / raw).toFixed(2)}, broker / bind on kept connections: ${(broker / kept).toFixed(2)}`,
      );
    }
    const ratio = median(ratios);
    const keptRatio = median(keptRatios);
    console.log(
      `median: raw ${median(raws).toFixed(1)} /s, broker ${median(brokers).toFixed(1)} /s, ratio ${ratio.toFixed(2)}; ` +
        `kept connections ${median(kepts).toFixed(1)} /s, ratio ${keptRatio.toFixed(2)}`,
    );
    const path = writeBenchResults('ldap', [
      {
        id: 'ldap-login',
        measures: 'broker logins per second (LDAP connector, POST /auth/corp/login)',
        baseline: 'raw ldapts bind + unbind, same slapd',
        value: ratio,
        target: 0.6,
        detail: `${formatCount(median(brokers))} against ${formatCount(median(raws))} /s (medians of ${ROUNDS} rounds, ${CONCURRENCY} concurrent)`,
      },
      {
        id: 'ldap-login-kept-connections',
        measures: 'broker logins per second (LDAP connector, POST /auth/corp/login)',
        baseline: 'raw ldapts binds on kept connections (no handshake), same slapd',
        value: keptRatio,
        // Reported, not a target: a login makes two searches and a bind where this baseline binds once.
        target: null,
        detail: `${formatCount(median(brokers))} against ${formatCount(median(kepts))} /s (medians of ${ROUNDS} rounds, ${CONCURRENCY} concurrent)`,
      },
    ]);
    console.log(`results written to ${path}`);
    await Promise.all(keptClients.map((client) => client.unbind()));
  } finally {
    await broker.close();
    await slapd.stop();
    rmSync(auditDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
