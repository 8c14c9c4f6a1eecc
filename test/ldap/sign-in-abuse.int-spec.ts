/**
 * Sign-in abuse against a real OpenLDAP with the ppolicy overlay (lockout
 * after 5 failed binds, test/fixtures/ldap/base.ldif), through the password
 * sign-in flow and the real throttle over a real Redis: concurrent wrong
 * passwords in mixed spellings never reach the lockout, the owner's device
 * signs in while the attacker is throttled, `$`-patterns in names and
 * templates are plain text, the service account is never a user, and
 * refusals take as long as wrong passwords.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'ldapts';
import { FedgateError } from '@fedgate/core';
import { LdapConnector, ldapConnectorConfigSchema } from '@fedgate/connectors';
import { PasswordSignIn, type PasswordSignInRequest } from '@fedgate/flows';
import { SessionManager } from '@fedgate/sessions';
import { RedisStore } from '@fedgate/store';
import { LoginThrottle } from '@fedgate/throttling';
import { startRedis, type RedisServer } from '../harness/redis';
import { LDAP_BASE_DN, startSlapd, type SlapdServer } from '../harness/slapd';

const PEOPLE = `ou=people,${LDAP_BASE_DN}`;
const GROUPS = `ou=groups,${LDAP_BASE_DN}`;
/** pwdMaxFailure of the fixture's default policy. */
const LOCKOUT_THRESHOLD = 5;

let slapd: SlapdServer;
let redis: RedisServer;
let admin: Client;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  [slapd, redis] = await Promise.all([startSlapd(), startRedis()]);
  admin = new Client({ url: slapd.ldapsUrl, tlsOptions: { ca: readFileSync(slapd.caCertFile, 'utf8') } });
  await admin.bind(slapd.admin.dn, slapd.admin.password);
});

afterAll(async () => {
  await Promise.all(opened.map((item) => item.close()));
  await admin.unbind();
  await Promise.all([slapd.stop(), redis.stop()]);
});

function connector(overrides: Record<string, unknown> = {}): LdapConnector {
  const ldap = new LdapConnector(
    ldapConnectorConfigSchema.parse({
      id: 'corp',
      type: 'ldap',
      url: slapd.ldapsUrl,
      tls: { ca: readFileSync(slapd.caCertFile, 'utf8') },
      bindDn: slapd.service.dn,
      bindPassword: slapd.service.password,
      userSearch: { baseDn: PEOPLE, filter: '(&(objectClass=inetOrgPerson)(uid={username}))' },
      ...overrides,
    }),
  );
  opened.push(ldap);
  return ldap;
}

async function signInFlow(
  ldap: LdapConnector,
  limits: Partial<ConstructorParameters<typeof LoginThrottle>[1]> = {},
) {
  const store = await RedisStore.connect({ url: redis.url, keyPrefix: `abuse:${randomUUID()}:` });
  opened.push(store);
  return new PasswordSignIn({
    connectors: { get: (id) => (id === ldap.id ? ldap : undefined) },
    guard: new LoginThrottle(store, {
      maxFailuresPerUserAndClient: 2,
      maxFailuresPerUser: 3,
      maxFailuresPerClient: 100,
      maxFailuresPerDevice: 1,
      windowSeconds: 600,
      deviceLifetimeSeconds: 3600,
      ...limits,
    }),
    sessions: new SessionManager(store, { idleSeconds: 600, absoluteSeconds: 3600 }),
    audit: { record: () => undefined },
  });
}

function request(username: string, password: string, clientAddress: string): PasswordSignInRequest {
  return { connectorId: 'corp', username, password, clientAddress };
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'signed in';
  } catch (error) {
    return error instanceof FedgateError ? error.code : String(error);
  }
}

/** ppolicy's record of failed binds since the last success, and whether it locked the entry. */
async function policyState(uid: string): Promise<{ failures: number; locked: boolean }> {
  const { searchEntries } = await admin.search(`uid=${uid},${PEOPLE}`, {
    scope: 'base',
    attributes: ['pwdFailureTime', 'pwdAccountLockedTime'],
  });
  const entry: Record<string, unknown> = searchEntries[0] ?? {};
  // ldapts lists a requested attribute the entry lacks as [].
  const count = (value: unknown) => (value === undefined ? 0 : Array.isArray(value) ? value.length : 1);
  return { failures: count(entry.pwdFailureTime), locked: count(entry.pwdAccountLockedTime) > 0 };
}

async function addUser(uid: string, password: string): Promise<void> {
  await admin.add(`uid=${uid.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)},${PEOPLE}`, {
    objectClass: 'inetOrgPerson',
    uid,
    cn: uid,
    sn: 'test',
    userPassword: password,
  });
}

describe('sign-in abuse against slapd with ppolicy', () => {
  it('keeps bursts of concurrent wrong passwords in mixed spellings below the lockout, and lets the owner in', async () => {
    const flow = await signInFlow(connector());
    const owner = await flow.signIn(request('bob', 'bob-password', '10.0.0.1'));
    const spellings = ['bob', 'BOB', ' Bob ', 'ｂｏｂ', 'Bob'];
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        outcome(
          flow.signIn(
            request(spellings[index % spellings.length] ?? '', `guess-${index}`, `10.9.${index % 8}.1`),
          ),
        ),
      ),
    );
    expect(burst.filter((code) => code === 'invalid_credentials')).toHaveLength(3);
    expect(burst.filter((code) => code === 'rate_limited')).toHaveLength(37);
    // The directory saw exactly what the throttle let through: below its threshold, not locked.
    expect(await policyState('bob')).toEqual({ failures: 3, locked: false });

    // The owner, behind one of the attacker's addresses, still signs in with the device that did before.
    expect(await outcome(flow.signIn(request('bob', 'bob-password', '10.9.0.1')))).toBe('rate_limited');
    const again = await flow.signIn({
      ...request('Bob', 'bob-password', '10.9.0.1'),
      device: owner.device?.token,
    });
    expect(again.session.identity.username).toBe('bob');
    // ppolicy forgets failures at a successful bind.
    expect(await policyState('bob')).toEqual({ failures: 0, locked: false });
    expect(3 + SIGN_IN_DEVICE_ALLOWANCE).toBeLessThan(LOCKOUT_THRESHOLD);
  });

  it('refuses control characters before the directory: a name it would cut short gets no tries of its own', async () => {
    const flow = await signInFlow(connector());
    for (const typed of ['dave\u0000', 'dave\u0000x', 'dave\u0000y', 'dave\r', 'da\u200bve']) {
      expect(await outcome(flow.signIn(request(typed, 'guess', '10.1.1.1')))).toBe('invalid_request');
    }
    expect(await policyState('dave')).toEqual({ failures: 0, locked: false });
  });

  it('treats $-patterns in usernames and in configured templates as plain text', async () => {
    const uid = "pay$'roll$&";
    await addUser(uid, 'payroll-password');
    await admin.add(`cn=dollar-posix,${GROUPS}`, {
      objectClass: 'posixGroup',
      cn: 'dollar-posix',
      gidNumber: '5002',
      memberUid: uid,
    });
    const ldap = connector({
      // A literal `$&` in the template stays literal; `{username}` is filled in both templates.
      userSearch: {
        baseDn: PEOPLE,
        filter: '(&(objectClass=inetOrgPerson)(!(description=$&))(uid={username}))',
      },
      groups: { mode: 'search', baseDn: GROUPS, filter: '(memberUid={username})' },
    });
    const flow = await signInFlow(ldap);
    const signedIn = await flow.signIn(request(uid, 'payroll-password', '10.2.2.2'));
    expect(signedIn.session.identity.groups).toEqual(['dollar-posix']);
    // Wrong guesses with $-patterns are counted failures (401), not broken filters (503).
    for (const typed of ["$'", '$`', '$&', "alice$'"]) {
      expect(await outcome(flow.signIn(request(typed, 'guess', `10.3.3.${typed.length}`)))).toBe(
        'invalid_credentials',
      );
    }
  });

  it('never signs the service account in as a user, whatever name finds its entry', async () => {
    const ldap = connector({
      userSearch: { baseDn: PEOPLE, filter: '(|(uid={username})(cn={username}))' },
    });
    expect(ldap.canonicalUsername('svc-fedgate')).toEqual({
      kind: 'unacceptable',
      reason: 'the service account cannot sign in as a user',
    });
    const account = ldap.canonicalUsername('fedgate service account');
    expect(account).toEqual({ kind: 'account', account: 'fedgate service account' });
    expect(await ldap.login('fedgate service account', slapd.service.password, {})).toEqual({
      kind: 'invalid_credentials',
      reason: 'the service account cannot sign in as a user',
    });
    // The service account still searches: alice signs in.
    expect((await ldap.login('alice', 'alice-password', {})).kind).toBe('authenticated');
  });

  it('takes as long to refuse an unknown or locked account as a wrong password', async () => {
    const ldap = connector();
    const times: Record<'wrong' | 'unknown' | 'locked', number[]> = { wrong: [], unknown: [], locked: [] };
    const timed = async (kind: keyof typeof times, account: string, password: string) => {
      const started = performance.now();
      const result = await ldap.login(account, password, {});
      times[kind].push(performance.now() - started);
      expect(result.kind).toBe('invalid_credentials');
    };
    for (let round = 0; round < 25; round++) {
      await timed('wrong', 'alice', 'not-her-password');
      // A success resets ppolicy's count, so alice is never locked by this test.
      await ldap.login('alice', 'alice-password', {});
      await timed('unknown', `nobody-${round}`, 'whatever');
      await timed('locked', 'carol', 'carol-password');
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    // Each round's refusal against the wrong password measured beside it, so a change in the
    // machine's load during the test (a parallel test run) weighs on both sides alike. Without
    // equal work the ratio was about 0.06; the bounds leave room for a loaded machine.
    for (const kind of ['unknown', 'locked'] as const) {
      const ratio = median(times[kind].map((time, round) => time / (times.wrong[round] ?? time)));
      expect(ratio).toBeGreaterThan(0.67);
      expect(ratio).toBeLessThan(1.5);
    }
  });
});

/** maxFailuresPerDevice of signInFlow's throttle. */
const SIGN_IN_DEVICE_ALLOWANCE = 1;
