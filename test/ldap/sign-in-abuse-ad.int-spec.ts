/**
 * Sign-in abuse against a real Active Directory (Samba AD DC) with a lockout
 * policy (test/harness/samba-ad.ts), through the password sign-in flow and
 * the real throttle over a real Redis: concurrent wrong passwords in every
 * spelling AD accepts (plain, down-level, UPN, case, width) never reach the
 * DC's threshold (its own badPwdCount says so), the owner's device signs in
 * while the attacker is throttled, the lockout policy is read for the
 * start-up check, and refusals take as long as wrong passwords.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FedgateError } from '@fedgate/core';
import { LdapConnector, ldapConnectorConfigSchema } from '@fedgate/connectors';
import { PasswordSignIn, type PasswordSignInRequest } from '@fedgate/flows';
import { SessionManager } from '@fedgate/sessions';
import { RedisStore } from '@fedgate/store';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle, lockoutMarginProblems } from '@fedgate/throttling';
import { configFrom, startBroker } from '../broker/broker-harness';
import { startRedis, type RedisServer } from '../harness/redis';
import { startSambaAd, type SambaAdServer } from '../harness/samba-ad';

const LIMITS = {
  maxFailuresPerUserAndClient: 2,
  maxFailuresPerUser: 3,
  maxFailuresPerClient: 100,
  maxFailuresPerDevice: 2,
  windowSeconds: 1800,
  deviceLifetimeSeconds: 3600,
};

let ad: SambaAdServer;
let redis: RedisServer;
let connector: LdapConnector;
const stores: RedisStore[] = [];

beforeAll(async () => {
  [ad, redis] = await Promise.all([startSambaAd(), startRedis()]);
  connector = new LdapConnector(
    ldapConnectorConfigSchema.parse({
      id: 'corp-ad',
      type: 'ldap',
      directory: 'active-directory',
      url: ad.ldapsUrl,
      tls: { ca: readFileSync(ad.caCertFile, 'utf8') },
      bindDn: ad.admin.dn,
      bindPassword: ad.admin.password,
      usernames: { downLevelDomains: ['CORP'], upnSuffixes: ['corp.example'] },
      userSearch: { baseDn: ad.baseDn, filter: '(&(objectClass=user)(sAMAccountName={username}))' },
      attributes: { subject: 'objectGUID', username: 'sAMAccountName' },
    }),
  );
}, 180_000);

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  // Unset when beforeAll failed; jest still runs afterAll.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  await connector?.close();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  await Promise.all([ad?.stop(), redis?.stop()]);
});

async function signInFlow(): Promise<PasswordSignIn> {
  const store = await RedisStore.connect({ url: redis.url, keyPrefix: `abuse-ad:${randomUUID()}:` });
  stores.push(store);
  return new PasswordSignIn({
    connectors: { get: (id) => (id === connector.id ? connector : undefined) },
    guard: new LoginThrottle(store, LIMITS),
    sessions: new SessionManager(store, { idleSeconds: 600, absoluteSeconds: 3600 }),
    audit: { record: () => undefined },
  });
}

function request(username: string, password: string, clientAddress: string): PasswordSignInRequest {
  return { connectorId: 'corp-ad', username, password, clientAddress };
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'signed in';
  } catch (error) {
    return error instanceof FedgateError ? error.code : String(error);
  }
}

describe('sign-in abuse against Active Directory with a lockout policy', () => {
  it('keeps bursts of concurrent wrong passwords in every spelling below the DC threshold, and lets the owner in', async () => {
    expect(LIMITS.maxFailuresPerUser + LIMITS.maxFailuresPerDevice).toBeLessThan(ad.lockoutThreshold);
    await ad.addUser({ name: 'frank', password: 'Frank-Passw0rd!' });
    const flow = await signInFlow();
    const owner = await flow.signIn(request('frank', 'Frank-Passw0rd!', '10.0.0.1'));

    const spellings = [
      'frank',
      'CORP\\frank',
      'corp\\FRANK',
      'frank@corp.example',
      'Frank@CORP.EXAMPLE',
      ' frank ',
      'ｆｒａｎｋ',
    ];
    const burst = await Promise.all(
      Array.from({ length: 42 }, (_, index) =>
        outcome(
          flow.signIn(
            request(spellings[index % spellings.length] ?? '', `Guess-${index}!`, `10.9.${index % 8}.1`),
          ),
        ),
      ),
    );
    expect(burst.filter((code) => code === 'invalid_credentials')).toHaveLength(LIMITS.maxFailuresPerUser);
    expect(burst.filter((code) => code === 'rate_limited')).toHaveLength(42 - LIMITS.maxFailuresPerUser);
    expect(await ad.lockoutState('frank')).toEqual({ badPwdCount: LIMITS.maxFailuresPerUser, locked: false });

    // The attacker keeps trying; the owner, even behind one of its addresses, signs in with the device that did before.
    expect(await outcome(flow.signIn(request('frank', 'Frank-Passw0rd!', '10.9.0.1')))).toBe('rate_limited');
    expect(
      await outcome(
        flow.signIn({ ...request('frank', 'Mistyped-1!', '10.9.0.1'), device: owner.device?.token }),
      ),
    ).toBe('invalid_credentials');
    const again = await flow.signIn({
      ...request('CORP\\frank', 'Frank-Passw0rd!', '10.9.0.1'),
      device: owner.device?.token,
    });
    expect(again.session.identity.username).toBe('frank');
    expect(await ad.lockoutState('frank')).toEqual({ badPwdCount: 0, locked: false });
  });

  it('refuses control characters before the DC sees them', async () => {
    await ad.addUser({ name: 'grace', password: 'Grace-Passw0rd!' });
    const flow = await signInFlow();
    for (const typed of [
      'grace\u0000',
      'grace\u0000x',
      'CORP\\grace\u0000',
      'grace@corp.example\u0000',
      'gr\u200bace',
    ]) {
      expect(await outcome(flow.signIn(request(typed, 'Guess-1!', '10.1.1.1')))).toBe('invalid_request');
    }
    expect(await ad.lockoutState('grace')).toEqual({ badPwdCount: 0, locked: false });
  });

  it('treats $-patterns in usernames as plain text: counted wrong guesses, not directory errors', async () => {
    const flow = await signInFlow();
    for (const typed of ["grace$'", '$&', 'CORP\\$`', "$'@corp.example"]) {
      expect(await outcome(flow.signIn(request(typed, 'Guess-1!', '10.3.3.3')))).toBe('invalid_credentials');
    }
  });

  it('never lets a user login spend the service account', () => {
    for (const typed of ['Administrator', 'CORP\\administrator', 'administrator@corp.example']) {
      expect(connector.canonicalUsername(typed)).toEqual({
        kind: 'unacceptable',
        reason: 'the service account cannot sign in as a user',
      });
    }
  });

  it("reads the domain's lockout policy, which the default throttle would reach", async () => {
    const policy = await connector.lockoutPolicy();
    expect(policy).toEqual({ threshold: ad.lockoutThreshold, observationWindowSeconds: 1800 });
    if (policy === undefined) {
      return;
    }
    expect(lockoutMarginProblems(LIMITS, policy)).toEqual([]);
    expect(lockoutMarginProblems(DEFAULT_LOGIN_THROTTLE, policy)).toEqual([
      expect.stringMatching(/^loginThrottle lets 8 failures .* locks accounts after 6/),
    ]);
  });

  it('warns at broker start-up when the configured throttle would reach the domain lockout threshold', async () => {
    const yaml = (loginThrottle: string) => `
connectors:
  - id: corp-ad
    type: ldap
    directory: active-directory
    url: ${ad.ldapsUrl}
    tls: { ca: "\${file:${ad.caCertFile}}" }
    bindDn: "${ad.admin.dn}"
    bindPassword: "\${env:LDAP_BIND_PASSWORD}"
    userSearch: { baseDn: "${ad.baseDn}", filter: "(&(objectClass=user)(sAMAccountName={username}))" }
${loginThrottle}`;
    const warningsOf = async (loginThrottle: string) => {
      const broker = await startBroker(
        configFrom(yaml(loginThrottle), { LDAP_BIND_PASSWORD: ad.admin.password }),
      );
      // stop() waits for the background lockout check, so its warnings are in by then.
      await broker.stop();
      return broker.logs
        .lines()
        .filter((line) => line.level === 40 && line.connector === 'corp-ad')
        .map((line) => String(line.msg));
    };
    expect(await warningsOf('')).toEqual([
      'loginThrottle lets 8 failures (maxFailuresPerUser 5 + maxFailuresPerDevice 3) reach a directory that locks accounts after 6: lower them so their sum is below 6',
    ]);
    expect(await warningsOf('loginThrottle: { maxFailuresPerUser: 3, maxFailuresPerDevice: 2 }')).toEqual([]);
  });

  it('takes as long to refuse an unknown, disabled or expired account as a wrong password', async () => {
    await ad.addUser({ name: 'henry', password: 'Henry-Passw0rd!' });
    const times: Record<'wrong' | 'unknown' | 'disabled' | 'expired', number[]> = {
      wrong: [],
      unknown: [],
      disabled: [],
      expired: [],
    };
    const timed = async (kind: keyof typeof times, account: string, password: string) => {
      const started = performance.now();
      const result = await connector.login(account, password, {});
      times[kind].push(performance.now() - started);
      expect(result.kind).toBe('invalid_credentials');
    };
    for (let round = 0; round < 20; round++) {
      await timed('wrong', 'henry', 'Not-Henrys-1!');
      // A success resets badPwdCount, so henry is never locked by this test.
      expect((await connector.login('henry', 'Henry-Passw0rd!', {})).kind).toBe('authenticated');
      await timed('unknown', `nobody-${round}`, 'Whatever-1!');
      await timed('disabled', 'bob', ad.passwords.bob);
      await timed('expired', 'dave', ad.passwords.dave);
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    // Each round's refusal against the wrong password measured beside it, so a change in the
    // machine's load during the test (a parallel test run) weighs on both sides alike. Without
    // equal work the ratio was about 0.06; the bounds leave room for a loaded machine.
    for (const kind of ['unknown', 'disabled', 'expired'] as const) {
      const ratio = median(times[kind].map((time, round) => time / (times.wrong[round] ?? time)));
      expect(ratio).toBeGreaterThan(0.67);
      expect(ratio).toBeLessThan(1.5);
    }
  });
});
