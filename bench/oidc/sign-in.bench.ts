/**
 * OIDC sign-ins per second through the broker (generic OIDC connector,
 * memory store, authorization code + PKCE: GET /auth/corp/login, the
 * provider, GET /auth/corp/callback, which exchanges the code, verifies the
 * ID token, reads UserInfo and makes the session) against openid-client 6
 * doing the same code flow directly, in the same run, against the same
 * oidc-provider process (test/oidc/oidc-provider-harness.ts). Both sides
 * pass the provider's dev login page the same way (signInAtProvider), so the
 * only difference is the broker. Reports the ratio (no target).
 *
 * Run (from the repository root):
 *   npx tsc -p bench/oidc/tsconfig.json && npx tsc-alias -p bench/oidc/tsconfig.json \
 *     && node scripts/copy-build-assets.cjs dist/bench-oidc \
 *     && node dist/bench-oidc/bench/oidc/sign-in.bench.js
 * BENCH_SECONDS, BENCH_CONCURRENCY, BENCH_ROUNDS and BENCH_WARMUP_SECONDS tune it.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as client from 'openid-client';
import { formatCount, writeBenchResults } from '../shared/results';
import { CLIENT_SECRET, testAccounts } from '../../test/oidc/oidc-fixture';
import { signingKey, signInAtProvider, TestOidcProvider } from '../../test/oidc/oidc-provider-harness';
import { startSilentBroker } from '../shared/silent-broker';
import { freeLoopbackPort, measureConcurrent, median } from '../shared/load';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/**
 * Warm-up per side, not counted. Both processes (oidc-provider's especially) keep
 * getting faster for about ten seconds of sign-ins: with a one-second warm-up the
 * first rounds ran at half the rate of the last.
 */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const LOGIN = 'alice';
/** The broker's defaults for a generic connector: what the baseline asks for too. */
const SCOPE = 'openid email profile';
const SESSION_COOKIE = 'fedgate_session';
const SIGN_IN_COOKIE = 'fedgate_signin';

/** Sign-ins per second of `operation` from CONCURRENCY loops (bench/shared/load.ts). */
function measure(name: string, operation: () => Promise<void>, seconds = SECONDS): Promise<number> {
  return measureConcurrent(name, operation, { seconds, concurrency: CONCURRENCY, unit: 'sign-ins' });
}

/**
 * The harness runs the provider process from its TypeScript source, read
 * beside the harness's own code; compiled, that is under dist/bench-oidc,
 * where tsc writes no .ts file: copy the current source there.
 */
function placeProviderSource(): void {
  const repository = resolve(__dirname, '..', '..', '..', '..');
  copyFileSync(
    join(repository, 'test', 'oidc', 'oidc-provider-process.ts'),
    resolve(__dirname, '..', '..', 'test', 'oidc', 'oidc-provider-process.ts'),
  );
}

/** The value of cookie `name` among a response's Set-Cookie lines, if set (and not cleared). */
function cookieValue(response: Response, name: string): string | undefined {
  for (const line of response.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const index = pair.indexOf('=');
    if (pair.slice(0, index) === name && index < pair.length - 1) {
      return pair.slice(index + 1);
    }
  }
  return undefined;
}

/**
 * A started broker with one generic OIDC connector, memory store, logging
 * silent, the audit stream (one line per sign-in) to a file of `directory`
 * rather than over the bench's own output.
 */
async function startBroker(
  port: number,
  issuer: string,
  directory: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const publicUrl = `http://127.0.0.1:${port}`;
  const broker = await startSilentBroker(
    `
server: { publicUrl: ${publicUrl} }
logging: { level: silent }
audit: { output: file, path: ${join(directory, 'audit.log')} }
connectors:
  - id: corp
    type: oidc
    issuer: ${issuer}
    clientId: fedgate
    clientSecret: "\${env:OIDC_SECRET}"
    claims: { groups: groups }
`,
    { env: { OIDC_SECRET: CLIENT_SECRET }, baseDir: __dirname },
    port,
  );
  return { url: publicUrl, close: () => broker.close() };
}

async function main(): Promise<void> {
  const port = await freeLoopbackPort();
  const brokerUrl = `http://127.0.0.1:${port}`;
  /** One redirect URI for both sides: the provider does the same work for either. */
  const callbackUrl = `${brokerUrl}/auth/corp/callback`;
  placeProviderSource();
  const provider = await TestOidcProvider.start({
    keys: [await signingKey('RS256', 'bench-1')],
    accounts: testAccounts(),
    clients: [{ client_id: 'fedgate', client_secret: CLIENT_SECRET, redirect_uris: [callbackUrl] }],
  });
  const directory = mkdtempSync(join(tmpdir(), 'bench-oidc-'));
  let broker: { url: string; close: () => Promise<void> } | undefined;
  try {
    broker = await startBroker(port, provider.issuer, directory);
    const base = broker.url;

    // The baseline: openid-client 6, discovery once, as the connector configures it (client_secret_basic,
    // RS256, the same clock tolerance), and with the ID token's signature checked against the JWKS
    // (enableNonRepudiationChecks): without it openid-client checks the claims only.
    const configuration = await client.discovery(
      new URL(provider.issuer),
      'fedgate',
      {
        id_token_signed_response_alg: 'RS256',
        token_endpoint_auth_method: 'client_secret_basic',
        [client.clockTolerance]: 60,
      },
      client.ClientSecretBasic(CLIENT_SECRET),
      {
        // eslint-disable-next-line @typescript-eslint/no-deprecated
        execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
      },
    );

    /** One sign-in with openid-client: URL with PKCE, state and nonce, the provider, code exchange, ID token, UserInfo. */
    const direct = async (): Promise<void> => {
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(configuration, {
        response_type: 'code',
        redirect_uri: callbackUrl,
        scope: SCOPE,
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
      const query = await signInAtProvider(url.href, LOGIN, callbackUrl);
      const tokens = await client.authorizationCodeGrant(
        configuration,
        new URL(`${callbackUrl}?${new URLSearchParams(query).toString()}`),
        { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true },
      );
      const claims = tokens.claims();
      if (claims?.sub !== LOGIN || claims.nonce !== nonce) {
        throw new Error('openid-client returned no validated ID token for this sign-in');
      }
      const info = await client.fetchUserInfo(configuration, tokens.access_token, claims.sub);
      if (info.sub !== LOGIN) {
        throw new Error('UserInfo answered about another user');
      }
    };

    /** Session cookies the broker set in the current run, each checked with /api/v1/me after it. */
    let sessions: string[] = [];
    /** One sign-in through the broker, as a browser without a browser: login, the provider, callback. */
    const brokered = async (): Promise<void> => {
      const begun = await fetch(`${base}/auth/corp/login`, { redirect: 'manual' });
      await begun.arrayBuffer();
      const location = begun.headers.get('location');
      const signIn = cookieValue(begun, SIGN_IN_COOKIE);
      if (begun.status !== 302 || location === null || signIn === undefined) {
        throw new Error(
          `GET /auth/corp/login answered ${begun.status} without a redirect and sign-in cookie`,
        );
      }
      const query = await signInAtProvider(location, LOGIN, callbackUrl);
      const back = await fetch(`${callbackUrl}?${new URLSearchParams(query).toString()}`, {
        redirect: 'manual',
        headers: { cookie: `${SIGN_IN_COOKIE}=${signIn}` },
      });
      const text = await back.text();
      const session = cookieValue(back, SESSION_COOKIE);
      if (back.status !== 303 || session === undefined) {
        throw new Error(`the callback answered ${back.status} without a session: ${text.slice(0, 200)}`);
      }
      sessions.push(session);
    };

    /** Every session of the run answers /api/v1/me as alice through corp (after the clock stopped). */
    const checkSessions = async (): Promise<void> => {
      const checked = sessions;
      sessions = [];
      for (const session of checked) {
        const me = await fetch(`${base}/api/v1/me`, { headers: { cookie: `${SESSION_COOKIE}=${session}` } });
        const body = (await me.json()) as Record<string, unknown>;
        if (me.status !== 200 || body.subject !== LOGIN || body.connectorId !== 'corp') {
          throw new Error(`a session made by the callback answers /api/v1/me with ${me.status}`);
        }
      }
      console.log(`  ${checked.length} sessions checked with GET /api/v1/me`);
    };

    console.log(
      `OIDC sign-in bench: ${SECONDS}s per run, ${ROUNDS} rounds, ${CONCURRENCY} concurrent, memory store, ` +
        `oidc-provider in its own process`,
    );
    // Warm-up, not counted: the broker's discovery and JWKS fetch, openid-client's JWKS, the JIT.
    await measure('warm-up openid-client', direct, WARMUP_SECONDS);
    await measure('warm-up broker', brokered, WARMUP_SECONDS);
    await checkSessions();

    const baselineRates: number[] = [];
    const brokerRates: number[] = [];
    const runBaseline = async (): Promise<void> => {
      baselineRates.push(await measure('openid-client code flow (baseline)', direct));
    };
    const runBroker = async (): Promise<void> => {
      brokerRates.push(await measure('broker sign-in (login, provider, callback)', brokered));
      await checkSessions();
    };
    for (let round = 0; round < ROUNDS; round += 1) {
      console.log(`round ${round + 1}`);
      // Alternate which side goes first, so neither always runs on a warmer or more loaded provider.
      if (round % 2 === 0) {
        await runBaseline();
        await runBroker();
      } else {
        await runBroker();
        await runBaseline();
      }
    }
    const baseline = median(baselineRates);
    const brokerRate = median(brokerRates);
    console.log(
      `medians: broker ${brokerRate.toFixed(1)}/s, openid-client ${baseline.toFixed(1)}/s, ` +
        `ratio ${(brokerRate / baseline).toFixed(2)}`,
    );
    const written = writeBenchResults('oidc', [
      {
        id: 'oidc-sign-in',
        measures: 'OIDC sign-ins per second through the broker (authorization code + PKCE, callback)',
        baseline: 'openid-client doing the same code flow against the same provider',
        value: brokerRate / baseline,
        target: null,
        detail: `${formatCount(brokerRate)} against ${formatCount(baseline)} /s`,
      },
    ]);
    console.log(`results written to ${written}`);
  } finally {
    await broker?.close();
    await provider.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
