/**
 * SAML sign-ins per second through the broker's ACS (POST /auth/corp/callback:
 * decode, DOCTYPE check, parse, signature, every check, replay cache,
 * identity, session) against raw xml-crypto verifications of the same
 * response, in the same run. Reports the ratio (target ≥ 0.4).
 *
 * Run (from the repository root):
 *   npx tsc -p bench/saml/tsconfig.json && npx tsc-alias -p bench/saml/tsconfig.json \
 *     && node dist/bench-saml/bench/saml/acs.bench.js
 * BENCH_SECONDS and BENCH_CONCURRENCY tune it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignedXml } from 'xml-crypto';
import { formatCount, writeBenchResults } from '../shared/results';
import { keyPair, signedResponse } from '../../test/saml/fixtures/test-idp';
import { startSilentBroker } from '../shared/silent-broker';
import { freeLoopbackPort, measureConcurrent } from '../shared/load';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
/** The broker's port, free when the bench starts; the ACS URL inside every response names it. */
let PORT = 0;
const publicUrl = (): string => `http://127.0.0.1:${PORT}`;
const acsUrl = (): string => `${publicUrl()}/auth/corp/callback`;
const IDP = 'https://idp.bench/metadata';

/** Operations per second of `operation` from CONCURRENCY loops (bench/shared/load.ts). */
function measure(name: string, operation: () => Promise<void>): Promise<number> {
  return measureConcurrent(name, operation, { seconds: SECONDS, concurrency: CONCURRENCY, unit: 'ops' });
}

/** An IdP-initiated response for fedgate's ACS, signed by the test IdP, with a fresh assertion ID. */
function response(): string {
  return signedResponse({
    now: new Date().toISOString(),
    assertionId: `_a${randomUUID()}`,
    inResponseTo: undefined,
    issuer: IDP,
    responseIssuer: IDP,
    destination: acsUrl(),
    recipient: acsUrl(),
    audience: `${publicUrl()}/auth/corp/metadata`,
    attributes: { groups: ['developers'] },
  });
}

async function main(): Promise<void> {
  PORT = await freeLoopbackPort();
  const idp = keyPair('idp');
  const directory = mkdtempSync(join(tmpdir(), 'bench-saml-'));
  writeFileSync(join(directory, 'idp.crt'), idp.certificate);
  const broker = await startSilentBroker(
    `
server: { publicUrl: ${publicUrl()} }
logging: { level: silent }
connectors:
  - id: corp
    type: saml
    idp: { entityId: "${IDP}", ssoUrl: https://idp.bench/sso, certificates: ["\${file:${directory}/idp.crt}"] }
    security: { allowIdpInitiated: true }
    attributes: { groups: [groups] }
`,
    { env: {}, baseDir: __dirname },
    PORT,
  );
  const { port } = broker;

  try {
    console.log(`SAML ACS bench: ${SECONDS}s per run, ${CONCURRENCY} concurrent, memory store`);
    const sample = response();
    const signature = /<Signature [\s\S]*?<\/Signature>/.exec(sample)?.[0] ?? '';
    const raw = await measure('raw xml-crypto checkSignature (baseline)', () => {
      const verifier = new SignedXml({ publicCert: idp.certificate, getCertFromKeyInfo: () => null });
      verifier.loadSignature(signature);
      if (!verifier.checkSignature(sample)) {
        throw new Error('invalid');
      }
      return Promise.resolve();
    });
    // Each sign-in needs its own assertion (single use): sign enough before measuring.
    const needed = Math.ceil(raw * SECONDS * 1.5) + 100;
    const bodies = Array.from({ length: needed }, () =>
      new URLSearchParams({ SAMLResponse: Buffer.from(response()).toString('base64') }).toString(),
    );
    let next = 0;
    const acs = await measure('broker ACS sign-in (POST /auth/corp/callback)', async () => {
      const body = bodies[next++];
      if (body === undefined) {
        throw new Error('out of pre-signed responses');
      }
      const answer = await fetch(`http://127.0.0.1:${port}/auth/corp/callback`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        redirect: 'manual',
      });
      await answer.arrayBuffer();
      if (answer.status !== 303) {
        throw new Error(`status ${answer.status}`);
      }
    });
    console.log(`ratio ACS sign-ins / raw verifications: ${(acs / raw).toFixed(2)}`);
    const written = writeBenchResults('saml', [
      {
        id: 'acs-sign-in',
        measures: 'SAML sign-ins per second through the ACS (POST /auth/{id}/callback)',
        baseline: 'raw xml-crypto signature verifications of the same responses',
        value: acs / raw,
        target: null,
        detail: `${formatCount(acs)} against ${formatCount(raw)} /s`,
      },
    ]);
    console.log(`results written to ${written}`);
  } finally {
    await broker.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
