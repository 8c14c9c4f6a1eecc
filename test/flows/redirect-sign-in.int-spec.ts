/**
 * The redirect sign-in flow against a real Redis: single-use state bound to
 * the browser, under concurrency, expiry, another browser, an unknown state
 * and a state started for another connector. Every refusal has its own
 * error code and creates no session.
 */
import Redis from 'ioredis';
import { FedgateError, type ErrorCode } from '@fedgate/core';
import { ConnectorCatalog } from '@fedgate/connectors';
import { RedirectSignIn, SignInStates, type AuditEvent, type BegunSignIn } from '@fedgate/flows';
import { SessionManager } from '@fedgate/sessions';
import { createStore, type Store } from '@fedgate/store';
import { startRedis, type RedisServer } from '../harness/redis';
import { TestOAuthConnector } from './test-oauth-provider';

const PREFIX = 'redirect-flow-test:';
const LIFETIME_SECONDS = 600;

describe('redirect sign-in state', () => {
  let redis: RedisServer;
  let store: Store;
  let inspector: Redis;
  let clock: number;
  let audit: AuditEvent[];
  const idp = new TestOAuthConnector('idp');
  const other = new TestOAuthConnector('other-idp');
  let sessions: SessionManager;
  let flow: RedirectSignIn;

  beforeAll(async () => {
    redis = await startRedis();
    store = await createStore({ type: 'redis', url: redis.url, keyPrefix: PREFIX, connectTimeoutMs: 2000 });
    inspector = new Redis(redis.url);
    sessions = new SessionManager(store, { idleSeconds: 3600, absoluteSeconds: 7200 }, () => clock);
    flow = new RedirectSignIn({
      connectors: new ConnectorCatalog([idp, other]),
      states: new SignInStates(store, { lifetimeSeconds: LIFETIME_SECONDS, now: () => clock }),
      sessions,
      audit: { record: (event) => audit.push(event) },
      urls: {
        callbackUrl: (id) => `https://fedgate.test/auth/${id}/callback`,
        acsUrl: (id) => `https://fedgate.test/auth/${id}/callback`,
      },
    });
  });

  beforeEach(async () => {
    clock = Date.now();
    audit = [];
    await inspector.flushdb();
  });

  afterAll(async () => {
    inspector.disconnect();
    await store.close();
    await redis.stop();
  });

  async function sessionCount(): Promise<number> {
    return (await inspector.keys(`${PREFIX}session:*`)).length;
  }

  async function begin(returnTo?: string): Promise<BegunSignIn & { query: Record<string, string> }> {
    const begun = await flow.begin({ connectorId: 'idp', returnTo, clientAddress: '127.0.0.1' });
    if (begun.redirect.kind !== 'url') {
      throw new Error('expected a redirect URL');
    }
    return { ...begun, query: idp.consent(begun.redirect.url, 'alice') };
  }

  function complete(query: Record<string, string>, browserBinding: string | undefined, connectorId = 'idp') {
    return flow.completeCallback({ connectorId, query, browserBinding, clientAddress: '127.0.0.1' });
  }

  async function refusal(promise: Promise<unknown>): Promise<{ code: ErrorCode; phase: string | undefined }> {
    const error: unknown = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    if (!(error instanceof FedgateError)) {
      throw new Error(`expected a FedgateError, got ${String(error)}`);
    }
    return { code: error.code, phase: error.phase };
  }

  it('sends the provider a fresh state, nonce and S256 challenge, and completes once in the same browser', async () => {
    const { query, browserBinding, redirect } = await begin('/console/demo/Developer');
    const sent = new URL(redirect.kind === 'url' ? redirect.url : '').searchParams;
    expect(sent.get('code_challenge_method')).toBe('S256');
    expect(sent.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sent.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sent.get('redirect_uri')).toBe('https://fedgate.test/auth/idp/callback');

    const completed = await complete(query, browserBinding);
    expect(completed.returnTo).toBe('/console/demo/Developer');
    const session = await sessions.find(completed.token);
    expect(session?.identity).toMatchObject({ connectorId: 'idp', subject: 'alice' });
    expect(session?.connectorData).toBe('refresh-for-alice');
    expect(await sessionCount()).toBe(1);
    expect(audit).toEqual([
      expect.objectContaining({ event: 'login', connector: 'idp', outcome: 'success' }),
    ]);
  });

  it('lets exactly one of 50 concurrent completions of one state through', async () => {
    const { query, browserBinding } = await begin();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => complete(query, browserBinding)),
    );
    const fulfilled = results.filter((result) => result.status === 'fulfilled');
    const codes = results.flatMap((result) =>
      result.status === 'rejected' && result.reason instanceof FedgateError ? [result.reason.code] : [],
    );
    expect(fulfilled).toHaveLength(1);
    expect(codes).toEqual(Array.from({ length: 49 }, () => 'sign_in_state_replayed'));
    expect(await sessionCount()).toBe(1);
  });

  it('refuses a replayed state after a completed sign-in', async () => {
    const { query, browserBinding } = await begin();
    await complete(query, browserBinding);
    expect(await refusal(complete(query, browserBinding))).toEqual({
      code: 'sign_in_state_replayed',
      phase: 'redirect.state',
    });
    expect(await sessionCount()).toBe(1);
  });

  it('refuses a state that came back after its lifetime', async () => {
    const { query, browserBinding } = await begin();
    clock += (LIFETIME_SECONDS + 1) * 1000;
    expect((await refusal(complete(query, browserBinding))).code).toBe('sign_in_state_expired');
    expect(await sessionCount()).toBe(0);
  });

  it('refuses a state completed in another browser, and burns it', async () => {
    const { query, browserBinding } = await begin();
    const attacker = (await begin()).browserBinding;
    expect((await refusal(complete(query, attacker))).code).toBe('sign_in_state_mismatch');
    expect((await refusal(complete(query, undefined))).code).toBe('sign_in_state_replayed');
    // The victim's own browser cannot use it either: single use, whoever came first.
    expect((await refusal(complete(query, browserBinding))).code).toBe('sign_in_state_replayed');
    expect(await sessionCount()).toBe(0);
  });

  it('refuses a missing binding cookie as another browser', async () => {
    const { query } = await begin();
    expect((await refusal(complete(query, undefined))).code).toBe('sign_in_state_mismatch');
    expect(await sessionCount()).toBe(0);
  });

  it.each([
    ['a well-formed id nobody issued', 'A'.repeat(43)],
    ['a malformed id', 'not a state'],
    ['no state at all', undefined],
  ])('refuses %s as unknown', async (_case, state) => {
    const { query, browserBinding } = await begin();
    const forged = { ...query };
    if (state === undefined) {
      delete forged.state;
    } else {
      forged.state = state;
    }
    expect((await refusal(complete(forged, browserBinding))).code).toBe('sign_in_state_unknown');
    expect(await sessionCount()).toBe(0);
    expect(audit.at(-1)).toMatchObject({
      outcome: 'failure',
      error: 'sign_in_state_unknown',
      phase: 'redirect.state',
    });
  });

  it('refuses a state started for another connector (mix-up)', async () => {
    const { query, browserBinding } = await begin();
    expect((await refusal(complete(query, browserBinding, 'other-idp'))).code).toBe('sign_in_state_mismatch');
    expect(await sessionCount()).toBe(0);
  });

  it('keeps only relative return paths on fedgate', async () => {
    const { query, browserBinding } = await begin('https://evil.example/phish');
    expect((await complete(query, browserBinding)).returnTo).toBe('/');
  });

  it('creates no session when the provider refuses the code', async () => {
    const { query, browserBinding } = await begin();
    const tampered = { ...query, code: 'forged' };
    expect((await refusal(complete(tampered, browserBinding))).code).toBe('assertion_invalid');
    expect(await sessionCount()).toBe(0);
  });

  it('keeps no state readable in the store: the binding is stored as a digest', async () => {
    const { browserBinding } = await begin();
    const keys = await inspector.keys(`${PREFIX}signin:*`);
    expect(keys).toHaveLength(1);
    const stored = (await inspector.get(keys[0] ?? '')) ?? '';
    expect(stored).not.toContain(browserBinding);
  });
});
