import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Identity } from '@fedgate/core';
import { AuthorizationServer, FEDGATE_CLI_CLIENT_ID, OAuthError, type TokenResponse } from '@fedgate/oauth';
import { MemoryStore, RedisStore, type Store } from '@fedgate/store';
import { startRedis, type RedisServer } from '../harness/redis';

const IDENTITY: Identity = {
  connectorId: 'static',
  subject: 'alice',
  username: 'alice',
  groups: ['engineers'],
  attributes: {},
  mfa: { satisfied: false, methods: [] },
  authTime: '2026-01-01T00:00:00.000Z',
};
const CLIENT = FEDGATE_CLI_CLIENT_ID;
const REDIRECT = 'http://127.0.0.1:53111/callback';

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function refusal(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OAuthError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected an OAuthError');
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

describe.each([
  ['memory', () => Promise.resolve<Store>(new MemoryStore())],
  [
    'redis',
    () => RedisStore.connect({ url: redis.url, keyPrefix: `oauth:${randomUUID()}:` }) as Promise<Store>,
  ],
])('AuthorizationServer on the %s store', (_kind, openStore) => {
  let store: Store;
  let server: AuthorizationServer;
  const events: { event: string; outcome: string }[] = [];
  beforeEach(async () => {
    store = await openStore();
    events.length = 0;
    server = new AuthorizationServer(store, {
      publicUrl: 'https://fedgate.example.com',
      timeouts: { idleSeconds: 3600, absoluteSeconds: 12 * 3600 },
      deviceIntervalSeconds: 1,
      events: (event) => events.push(event),
    });
  });
  afterEach(async () => {
    await store.close();
  });

  async function loginWithCode(): Promise<TokenResponse> {
    const { verifier, challenge } = pkce();
    const request = await server.checkAuthorizationRequest({
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      response_type: 'code',
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const back = new URL(await server.approve(request, { identity: IDENTITY }));
    return server.token({
      grant_type: 'authorization_code',
      client_id: CLIENT,
      code: back.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
  }

  it('exchanges a code once, for tokens whose access token names the identity', async () => {
    const tokens = await loginWithCode();
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.access_token).toMatch(/^fga_/);
    expect(tokens.refresh_token).toMatch(/^fgr_/);
    const grant = await server.authenticate(tokens.access_token);
    expect(grant?.session.identity).toEqual(IDENTITY);
    expect(events).toContainEqual(expect.objectContaining({ event: 'oauth_grant', outcome: 'issued' }));
  });

  it('lets exactly one of 20 concurrent exchanges of a code succeed', async () => {
    const { verifier, challenge } = pkce();
    const request = await server.checkAuthorizationRequest({
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      response_type: 'code',
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const code =
      new URL(await server.approve(request, { identity: IDENTITY })).searchParams.get('code') ?? '';
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        server.token({
          grant_type: 'authorization_code',
          client_id: CLIENT,
          code,
          redirect_uri: REDIRECT,
          code_verifier: verifier,
        }),
      ),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses a code with the wrong verifier, another redirect URI or no verifier', async () => {
    for (const change of [
      { code_verifier: pkce().verifier },
      { redirect_uri: 'http://127.0.0.1:53112/callback' },
      { code_verifier: undefined },
    ]) {
      const { verifier, challenge } = pkce();
      const request = await server.checkAuthorizationRequest({
        client_id: CLIENT,
        redirect_uri: REDIRECT,
        response_type: 'code',
        state: 's',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const code =
        new URL(await server.approve(request, { identity: IDENTITY })).searchParams.get('code') ?? '';
      const error = await refusal(
        server.token({
          grant_type: 'authorization_code',
          client_id: CLIENT,
          code,
          redirect_uri: REDIRECT,
          code_verifier: verifier,
          ...change,
        }),
      );
      expect(error.error).toBe('invalid_grant');
    }
  });

  it('rotates refresh tokens: the old access token stops working, the new one works', async () => {
    const first = await loginWithCode();
    const second = await server.token({
      grant_type: 'refresh_token',
      client_id: CLIENT,
      refresh_token: first.refresh_token,
    });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    await expect(server.authenticate(first.access_token)).resolves.toBeNull();
    expect((await server.authenticate(second.access_token))?.session.identity.subject).toBe('alice');
  });

  it('revokes the whole family when a refresh token is used twice', async () => {
    const first = await loginWithCode();
    const second = await server.token({
      grant_type: 'refresh_token',
      client_id: CLIENT,
      refresh_token: first.refresh_token,
    });
    const reuse = await refusal(
      server.token({ grant_type: 'refresh_token', client_id: CLIENT, refresh_token: first.refresh_token }),
    );
    expect(reuse.error).toBe('invalid_grant');
    expect(reuse.description).toContain('already used');
    await expect(server.authenticate(second.access_token)).resolves.toBeNull();
    const legit = await refusal(
      server.token({ grant_type: 'refresh_token', client_id: CLIENT, refresh_token: second.refresh_token }),
    );
    expect(legit.error).toBe('invalid_grant');
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'oauth_refresh_reuse', outcome: 'revoked' }),
    );
  });

  it('revokes the family when 20 parties refresh with one token at once', async () => {
    const first = await loginWithCode();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        server.token({ grant_type: 'refresh_token', client_id: CLIENT, refresh_token: first.refresh_token }),
      ),
    );
    const won = results.filter((result) => result.status === 'fulfilled');
    expect(won.length).toBeLessThanOrEqual(1);
    for (const result of won) {
      await expect(server.authenticate(result.value.access_token)).resolves.toBeNull();
    }
  });

  it('revokes a login by its access or refresh token (RFC 7009), and ignores unknown tokens', async () => {
    const byAccess = await loginWithCode();
    await server.revoke({ client_id: CLIENT, token: byAccess.access_token });
    await expect(server.authenticate(byAccess.access_token)).resolves.toBeNull();
    expect(
      (
        await refusal(
          server.token({
            grant_type: 'refresh_token',
            client_id: CLIENT,
            refresh_token: byAccess.refresh_token,
          }),
        )
      ).error,
    ).toBe('invalid_grant');
    const byRefresh = await loginWithCode();
    await server.revoke({
      client_id: CLIENT,
      token: byRefresh.refresh_token,
      token_type_hint: 'refresh_token',
    });
    await expect(server.authenticate(byRefresh.access_token)).resolves.toBeNull();
    await expect(server.revoke({ client_id: CLIENT, token: 'fga_unknown' })).resolves.toBeUndefined();
  });

  it('runs the device flow: pending, slow_down, approval typed by the user, one redemption', async () => {
    const started = await server.deviceAuthorization({ client_id: CLIENT }, '203.0.113.9');
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.verification_uri).toBe('https://fedgate.example.com/oauth/device');
    const poll = () =>
      server.token({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: CLIENT,
        device_code: started.device_code,
      });
    expect((await refusal(poll())).error).toBe('authorization_pending');
    expect((await refusal(poll())).error).toBe('slow_down');
    const pending = await server.pendingDevice(started.user_code.toLowerCase().replace('-', ' '), 'alice');
    expect(pending).toMatchObject({ clientId: CLIENT, requestedFrom: '203.0.113.9' });
    await server.devices.decide(started.user_code, 'alice', {
      approve: true,
      subject: { identity: IDENTITY },
    });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const tokens = await poll();
    expect((await server.authenticate(tokens.access_token))?.session.identity.subject).toBe('alice');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(['expired_token', 'invalid_grant']).toContain((await refusal(poll())).error);
  });

  it('answers access_denied to a denied device request, and refuses a second decision', async () => {
    const started = await server.deviceAuthorization({ client_id: CLIENT }, '203.0.113.9');
    await server.devices.decide(started.user_code, 'alice', { approve: false });
    await expect(
      server.devices.decide(started.user_code, 'alice', { approve: true, subject: { identity: IDENTITY } }),
    ).rejects.toThrow(/No pending request/);
    const error = await refusal(
      server.token({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: CLIENT,
        device_code: started.device_code,
      }),
    );
    expect(error.error).toBe('access_denied');
  });

  it('throttles user code entries per user', async () => {
    for (let entry = 0; entry < 30; entry += 1) {
      await expect(server.pendingDevice('BCDF-GHJK', 'mallory')).rejects.toThrow(/No pending request/);
    }
    await expect(server.pendingDevice('BCDF-GHJK', 'mallory')).rejects.toThrow(/Too many codes/);
  });
});
