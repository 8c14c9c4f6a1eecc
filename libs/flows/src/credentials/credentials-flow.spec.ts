import { randomBytes } from 'node:crypto';

import { FedgateError } from '@fedgate/core';
import {
  CacheCipher,
  ConsoleSignin,
  credentialCacheKey,
  CredentialCache,
  Issuance,
  type IssuedCredentials,
  type ModeIssuer,
  type ModeIssuers,
} from '@fedgate/issuance';
import type { IssuePlan } from '@fedgate/mapping';
import { MemoryStore, type BoundedCounter } from '@fedgate/store';
import { IssuanceRateLimit } from '@fedgate/throttling';
import { identity, mappingConfig, NOW } from '../../../../test/mapping/config-fixture';
import type { AuditEvent } from '../audit';
import { CredentialsFlow } from './credentials-flow';

const config = mappingConfig(`
backends:
  - { id: aws, type: sts, signinUrl: "http://127.0.0.1:8090/federation" }
accounts:
  - { id: "111111111111", name: prod, backend: aws }
permissionSets:
  - name: Dev
    roleName: fedgate-Dev
    sessionDuration: 4h
    consoleDestination: https://console.aws.amazon.com/s3/home
    tags: { Department: "{{attributes.department}}" }
  - name: Wide
    roleName: fedgate-Wide
    tags: { Department: "{{attributes.department}}" }
assignments:
  - { match: { groups: [dev] }, accounts: [prod], permissionSets: [Dev, Wide] }
mapping: { tags: { authTags: false, onInvalid: reject } }
`);

const who = identity({ groups: ['dev'], attributes: { department: ['Eng'] } });
const origin = { clientAddress: '192.0.2.10' };

const CREDENTIALS: IssuedCredentials = {
  accessKeyId: 'ASIAFLOWTEST00000001',
  secretAccessKey: 'flow-secret-key-0123456789abcdefghijklmn',
  sessionToken: 'flow-session-token-0123456789ZZZZZZZZZZ',
  expiration: new Date('2026-01-01T14:00:00Z'),
  accountId: '111111111111',
  kind: 'role',
  assumedRoleArn: 'arn:aws:sts::111111111111:assumed-role/fedgate-Dev/alice.0a1b2c3d',
};

/** STS stands outside the unit: an issuer per mode that records the plans it was given. */
function recordingIssuers(answer: () => Promise<IssuedCredentials>) {
  const plans: IssuePlan[] = [];
  const issuer: ModeIssuer = {
    issue: (plan) => {
      plans.push(plan);
      return answer();
    },
  };
  const issuers: ModeIssuers = { 'assume-role': issuer, 'web-identity': issuer, 'federation-token': issuer };
  return { plans, issuers };
}

function setup(answer: () => Promise<IssuedCredentials> = () => Promise.resolve(CREDENTIALS)) {
  const { plans, issuers } = recordingIssuers(answer);
  const events: AuditEvent[] = [];
  const signinRequests: URL[] = [];
  const consoleSignin = new ConsoleSignin({
    issuer: 'https://fedgate.example.com',
    timeoutMs: 1000,
    // The federation endpoint is outside the unit too.
    fetch: (input) => {
      signinRequests.push(new URL(input instanceof Request ? input.url : input));
      return Promise.resolve(Response.json({ SigninToken: 'signin-token-0123456789' }));
    },
  });
  const flow = new CredentialsFlow({
    config: () => config,
    issuance: new Issuance({ issuers }),
    consoleSignin,
    audit: { record: (event) => events.push(event) },
    now: () => NOW.getTime(),
  });
  return { flow, plans, events, signinRequests };
}

async function failure(promise: Promise<unknown>): Promise<FedgateError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FedgateError);
  return error as FedgateError;
}

const WHO = { connector: 'corp', subject: 'u-1', clientAddress: '192.0.2.10' };

describe('CredentialsFlow.credentials', () => {
  it("issues the plan, with the requested duration as its reason, and audits who, what and CloudTrail's ids", async () => {
    const { flow, plans, events } = setup();
    const issued = await flow.credentials(
      who,
      { accountId: 'prod', permissionSet: 'Dev', durationSeconds: 1800 },
      origin,
    );
    expect(issued).toBe(CREDENTIALS);
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({
      mode: 'assume-role',
      roleArn: 'arn:aws:iam::111111111111:role/fedgate-Dev',
      duration: { seconds: 1800, limitedBy: 'requested', requestedSeconds: 1800 },
    });
    expect(events).toEqual([
      {
        ...WHO,
        event: 'issue_credentials',
        outcome: 'success',
        account: '111111111111',
        permissionSet: 'Dev',
        mode: 'assume-role',
        roleArn: 'arn:aws:iam::111111111111:role/fedgate-Dev',
        sourceIdentity: 'alice',
        roleSessionName: expect.stringMatching(/^alice\.[0-9a-f]{8}$/) as unknown,
        tags: [{ key: 'Department', value: 'Eng' }],
        source: 'issued',
        accessKeyId: CREDENTIALS.accessKeyId,
        sessionArn: CREDENTIALS.assumedRoleArn,
        webIdentityToken: undefined,
        expiration: '2026-01-01T14:00:00.000Z',
      },
    ]);
    // The audit line's fields in a stable order: who and what first, then the outcome.
    expect(Object.keys(events[0] ?? {})).toEqual([
      'event',
      'clientAddress',
      'connector',
      'subject',
      'account',
      'permissionSet',
      'mode',
      'roleArn',
      'sourceIdentity',
      'roleSessionName',
      'tags',
      'outcome',
      'source',
      'accessKeyId',
      'sessionArn',
      'webIdentityToken',
      'expiration',
    ]);
    expect(JSON.stringify(events)).not.toContain(CREDENTIALS.secretAccessKey);
    expect(JSON.stringify(events)).not.toContain(CREDENTIALS.sessionToken);
  });

  it('refuses what the user is not entitled to before any STS call, and audits the phase', async () => {
    const { flow, plans, events } = setup();
    const error = await failure(flow.credentials(who, { accountId: 'prod', permissionSet: 'Admin' }, origin));
    expect(error).toMatchObject({ code: 'not_entitled', phase: 'mapping.entitlement' });
    expect(plans).toEqual([]);
    expect(events).toEqual([
      {
        ...WHO,
        event: 'issue_credentials',
        account: 'prod',
        permissionSet: 'Admin',
        outcome: 'not_entitled',
        error: 'not_entitled',
        phase: 'mapping.entitlement',
      },
    ]);
  });

  it('refuses a request over an AWS limit before any STS call, naming the limits', async () => {
    const { flow, plans, events } = setup();
    const over = identity({ groups: ['dev'], attributes: { department: ['a;b'] } });
    const error = await failure(flow.credentials(over, { accountId: 'prod', permissionSet: 'Wide' }, origin));
    expect(error).toMatchObject({ code: 'sts_rejected', phase: 'mapping.limits' });
    expect(plans).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        outcome: 'over_limit',
        limits: [expect.objectContaining({ limit: 'tag-value' }) as unknown],
        phase: 'mapping.limits',
      }),
    ]);
  });

  it('audits a failure at STS with its code and phase', async () => {
    const refused = new FedgateError('sts_denied', 'STS refused', { phase: 'sts.assume-role' });
    const { flow, events } = setup(() => Promise.reject(refused));
    await expect(flow.credentials(who, { accountId: 'prod', permissionSet: 'Dev' }, origin)).rejects.toBe(
      refused,
    );
    expect(events).toEqual([
      expect.objectContaining({
        event: 'issue_credentials',
        outcome: 'failure',
        error: 'sts_denied',
        phase: 'sts.assume-role',
        roleArn: 'arn:aws:iam::111111111111:role/fedgate-Dev',
      }),
    ]);
  });
});

describe('CredentialsFlow.consoleUrl', () => {
  it("signs in for the plan's duration at the backend's endpoint, to the permission set's destination", async () => {
    const { flow, events, signinRequests } = setup();
    const url = new URL(
      await flow.consoleUrl(
        who,
        { accountId: '111111111111', permissionSet: 'Dev', durationSeconds: 1800 },
        origin,
      ),
    );
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:8090/federation');
    expect(url.searchParams.get('Destination')).toBe('https://console.aws.amazon.com/s3/home');
    expect(signinRequests.map((request) => request.searchParams.get('SessionDuration'))).toEqual(['1800']);
    expect(events.map((event) => [event.event, event.outcome])).toEqual([
      ['issue_credentials', 'success'],
      ['console_signin', 'success'],
    ]);
    expect(events[1]).toMatchObject({
      ...WHO,
      account: '111111111111',
      roleArn: 'arn:aws:iam::111111111111:role/fedgate-Dev',
      destination: 'https://console.aws.amazon.com/s3/home',
    });
    expect(JSON.stringify(events)).not.toContain('signin-token-0123456789');
  });

  it('refuses a foreign destination before any STS call', async () => {
    const { flow, plans, events, signinRequests } = setup();
    const error = await failure(
      flow.consoleUrl(
        who,
        { accountId: 'prod', permissionSet: 'Dev', destination: 'https://evil.example/' },
        origin,
      ),
    );
    expect(error).toMatchObject({ code: 'invalid_request', phase: 'console.destination' });
    expect(plans).toEqual([]);
    expect(signinRequests).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        event: 'console_signin',
        outcome: 'bad_destination',
        phase: 'console.destination',
      }),
    ]);
  });
});

/**
 * The flow with what the broker gives it: issuance through a credential cache and the issuance
 * rate limit, both on one (memory) store. The store's reads and counts are recorded as they are
 * called, so the test sees which store commands a request issues, and in which turn.
 */
function setupWithStore(options: { perUser?: number; failCacheReads?: Error } = {}) {
  const store = new MemoryStore({ now: () => NOW.getTime() });
  const calls: string[] = [];
  const recorded = Object.assign(Object.create(store) as MemoryStore, {
    get: (key: string) => {
      calls.push(key.startsWith('issuance:credentials:') ? 'cache read' : `get ${key}`);
      return options.failCacheReads === undefined ? store.get(key) : Promise.reject(options.failCacheReads);
    },
    incrementBelowLimits: (counters: readonly BoundedCounter[]) => {
      calls.push('rate limit');
      return store.incrementBelowLimits(counters);
    },
  });
  const { plans, issuers } = recordingIssuers(() => Promise.resolve(CREDENTIALS));
  const cache = new CredentialCache(
    recorded,
    CacheCipher.fromConfig([{ id: 'k', key: randomBytes(32).toString('base64') }]),
    {
      refreshBeforeSeconds: 900,
      now: () => NOW.getTime(),
    },
  );
  const events: AuditEvent[] = [];
  const flow = new CredentialsFlow({
    config: () => config,
    issuance: new Issuance({ issuers, cache: { store: cache, keyOf: credentialCacheKey } }),
    consoleSignin: new ConsoleSignin({
      issuer: 'https://fedgate.example.com',
      timeoutMs: 1000,
      fetch: () => Promise.resolve(Response.json({ SigninToken: 'signin-token-0123456789' })),
    }),
    audit: { record: (event) => events.push(event) },
    rateLimit: new IssuanceRateLimit(recorded, {
      perUser: options.perUser ?? 100,
      perClient: 100,
      window: 60,
    }),
    now: () => NOW.getTime(),
  });
  return { flow, plans, events, calls, store };
}

/** Lets every settled promise's handlers run, so an unhandled rejection would surface in the test. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

const DEV = { accountId: 'prod', permissionSet: 'Dev' };

describe('CredentialsFlow with a cache and a rate limit on the store', () => {
  it('issues the rate limit and the cache read in the same turn, the limit first, and serves that read', async () => {
    const { flow, plans, events, calls } = setupWithStore();
    await flow.credentials(who, DEV, origin);
    // A miss: the cache reads again once it holds the issuing lock, then issues.
    expect(calls).toEqual(['rate limit', 'cache read', 'cache read']);
    calls.length = 0;

    const pending = flow.credentials(who, DEV, origin);
    // Before any await: both store commands were issued, so a Redis client sends them in one write.
    expect(calls).toEqual(['rate limit', 'cache read']);
    expect(await pending).toEqual(CREDENTIALS);
    // Served from that read: no second look at the store.
    expect(calls).toEqual(['rate limit', 'cache read']);
    expect(plans).toHaveLength(1);
    expect(events.map((event) => [event.outcome, event.source])).toEqual([
      ['success', 'issued'],
      ['success', 'cache'],
    ]);
  });

  it('does the same for a console sign-in, and drops the read when the destination is refused', async () => {
    const { flow, plans, events, calls } = setupWithStore();
    const pending = flow.consoleUrl(who, DEV, origin);
    expect(calls).toEqual(['rate limit', 'cache read']);
    await pending;
    calls.length = 0;

    const refused = failure(flow.consoleUrl(who, { ...DEV, destination: 'https://evil.example/' }, origin));
    expect(calls).toEqual(['rate limit', 'cache read']);
    expect(await refused).toMatchObject({ code: 'invalid_request' });
    expect(calls).toEqual(['rate limit', 'cache read']);
    expect(plans).toHaveLength(1);
    expect(events.map((event) => [event.event, event.outcome])).toEqual([
      ['issue_credentials', 'success'],
      ['console_signin', 'success'],
      ['console_signin', 'bad_destination'],
    ]);
  });

  it('serves nothing from the read of a request the rate limit refused, and audits rate_limited only', async () => {
    const { flow, plans, events, calls } = setupWithStore({ perUser: 2 });
    await flow.credentials(who, DEV, origin);
    await flow.credentials(who, DEV, origin);
    calls.length = 0;
    events.length = 0;

    const error = await failure(flow.credentials(who, DEV, origin));
    expect(error).toMatchObject({ code: 'rate_limited', phase: 'rate.issuance' });
    // The read went with the count (nothing after it: no lock, no write), and nothing was served.
    expect(calls).toEqual(['rate limit', 'cache read']);
    expect(plans).toHaveLength(1);
    expect(events).toEqual([
      {
        ...WHO,
        event: 'issue_credentials',
        account: 'prod',
        permissionSet: 'Dev',
        outcome: 'rate_limited',
        error: 'rate_limited',
        phase: 'rate.issuance',
        check: 'per-user',
      },
    ]);
  });

  it('audits rate_limited, not not_entitled, for a request refused by both, and reads no cache for either', async () => {
    const { flow, events, calls } = setupWithStore({ perUser: 1 });
    const notEntitled = await failure(
      flow.credentials(who, { accountId: 'prod', permissionSet: 'Admin' }, origin),
    );
    expect(notEntitled).toMatchObject({ code: 'not_entitled' });
    const limited = await failure(
      flow.credentials(who, { accountId: 'prod', permissionSet: 'Admin' }, origin),
    );
    expect(limited).toMatchObject({ code: 'rate_limited' });
    expect(calls).toEqual(['rate limit', 'rate limit']);
    expect(events.map((event) => event.outcome)).toEqual(['not_entitled', 'rate_limited']);
  });

  it('fails closed when the store is down, audited as the limit refusal, with no unhandled rejection', async () => {
    const { flow, plans, events, calls, store } = setupWithStore();
    await flow.credentials(who, DEV, origin);
    await store.close();
    events.length = 0;
    calls.length = 0;

    const error = await failure(flow.credentials(who, DEV, origin));
    expect(error).toMatchObject({ code: 'store_unavailable' });
    expect(calls).toEqual(['rate limit', 'cache read']);
    expect(plans).toHaveLength(1);
    expect(events).toEqual([expect.objectContaining({ outcome: 'error', error: 'store_unavailable' })]);
    // Jest fails the test on an unhandled rejection: the dropped read's must be handled.
    await settle();
  });

  it('fails closed when only the cache read fails, after the limit passed, without calling STS', async () => {
    const down = new FedgateError('store_unavailable', 'The session store is unreachable');
    const { flow, plans, events, calls } = setupWithStore({ failCacheReads: down });
    await expect(flow.credentials(who, DEV, origin)).rejects.toBe(down);
    expect(calls).toEqual(['rate limit', 'cache read']);
    expect(plans).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({ event: 'issue_credentials', outcome: 'failure', error: 'store_unavailable' }),
    ]);
  });
});
