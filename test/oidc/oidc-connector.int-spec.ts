/**
 * The OIDC connector against a real OpenID Provider (node-oidc-provider,
 * started here on loopback): a sign-in with RS256 and with ES256, key
 * rotation, and each refusal in its own case. A proxy in
 * front of the provider plays the misbehaving provider or the attacker: it
 * rewrites the provider's answers, and the test signs forged ID tokens with
 * the provider's own keys so that only the claim under test is wrong; then
 * the callback connector contract.
 */
import { exportJWK, exportPKCS8, generateKeyPair, SignJWT } from 'jose';
import { FedgateError } from '@fedgate/core';
import {
  CALLBACK_URL,
  CLIENT_SECRET,
  complete,
  oidcConnector,
  refusalOf,
  signIn,
  startAttempt,
  testAccounts,
} from './oidc-fixture';
import { describeCallbackConnectorContract } from '../../libs/connectors/src/callback-connector.contract';
import { freePort } from '../harness/processes';
import {
  signInAtProvider,
  signingKey,
  TestOidcProvider,
  type ObservedRequest,
  type SigningKey,
} from './oidc-provider-harness';

function decodePayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

describe('oidc connector against oidc-provider', () => {
  let provider: TestOidcProvider;
  let other: TestOidcProvider;
  let rsa: SigningKey;
  let ec: SigningKey;
  let closedPort: number;
  /** fedgate's own keys for private_key_jwt: PKCS#8 PEM, as the config holds them. */
  const clientKeys: Partial<Record<'RS256' | 'ES256' | 'unregistered', string>> = {};

  beforeAll(async () => {
    rsa = await signingKey('RS256', 'rsa-1');
    ec = await signingKey('ES256', 'ec-1');
    closedPort = await freePort();
    const registered = [];
    for (const alg of ['RS256', 'ES256'] as const) {
      const pair = await generateKeyPair(alg, { extractable: true });
      clientKeys[alg] = await exportPKCS8(pair.privateKey);
      registered.push({ ...(await exportJWK(pair.publicKey)), kid: `client-${alg}`, alg, use: 'sig' });
    }
    clientKeys.unregistered = await exportPKCS8(
      (await generateKeyPair('RS256', { extractable: true })).privateKey,
    );
    provider = await TestOidcProvider.start({
      keys: [rsa, ec],
      accounts: testAccounts(),
      clients: [
        { client_id: 'fedgate', client_secret: CLIENT_SECRET, redirect_uris: [CALLBACK_URL] },
        {
          client_id: 'fedgate-es',
          client_secret: CLIENT_SECRET,
          redirect_uris: [CALLBACK_URL],
          id_token_signed_response_alg: 'ES256',
        },
        {
          client_id: 'fedgate-pkjwt',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: registered },
          redirect_uris: [CALLBACK_URL],
        },
      ],
    });
    other = await TestOidcProvider.start({
      keys: [await signingKey('RS256', 'other-1')],
      accounts: testAccounts(),
      clients: [{ client_id: 'fedgate', client_secret: CLIENT_SECRET, redirect_uris: [CALLBACK_URL] }],
    });
  });

  afterEach(() => {
    provider.reset();
    other.reset();
  });

  afterAll(async () => {
    await provider.stop();
    await other.stop();
  });

  describe('signing in', () => {
    it('signs in with an RS256 ID token and maps the claims to the identity', async () => {
      const signedIn = await signIn(oidcConnector({ issuer: provider.issuer }), 'alice');
      expect(signedIn.identity).toMatchObject({
        connectorId: 'corp',
        subject: 'alice',
        username: 'alice',
        email: 'alice@corp.example',
        emailVerified: true,
        displayName: 'Alice Liddell',
        groups: ['eng', 'ops'],
        attributes: { department: ['Data'] },
        mfa: { satisfied: false },
      });
      expect(Date.now() - Date.parse(signedIn.identity.authTime)).toBeLessThan(60_000);
      expect(signedIn.connectorData).toBeDefined();
    });

    it('signs in with an ES256 ID token when the connector pins ES256', async () => {
      const connector = oidcConnector({
        issuer: provider.issuer,
        clientId: 'fedgate-es',
        idTokenAlg: 'ES256',
      });
      expect((await signIn(connector, 'alice')).identity.subject).toBe('alice');
    });

    it('always sends a PKCE S256 challenge, even when discovery does not list S256', async () => {
      provider.tampering.discovery = (metadata) => {
        const { code_challenge_methods_supported: _dropped, ...rest } = metadata;
        return rest;
      };
      const connector = oidcConnector({ issuer: provider.issuer });
      const attempt = await startAttempt(connector, 'alice');
      const url = new URL(attempt.authorizationUrl);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
      expect(url.searchParams.get('redirect_uri')).toBe(CALLBACK_URL);
      expect((await complete(connector, attempt)).identity.subject).toBe('alice');
    });

    it('keeps an unverified email out of the identity, and refuses it as a username', async () => {
      const byName = await signIn(oidcConnector({ issuer: provider.issuer }), 'mallory');
      expect(byName.identity.username).toBe('mallory');
      expect(byName.identity.email).toBeUndefined();
      const byEmail = oidcConnector({ issuer: provider.issuer, claims: { username: 'email' } });
      expect(await refusalOf(signIn(byEmail, 'mallory'))).toEqual({
        code: 'assertion_invalid',
        phase: 'oidc.claims',
        check: 'email_verified',
      });
    });

    it('reports an unreachable provider as an outage', async () => {
      const connector = oidcConnector({ issuer: 'http://127.0.0.1:1' });
      const refusal = await refusalOf(
        connector.loginUrl({ callbackUrl: CALLBACK_URL, state: 's', nonce: 'n', codeChallenge: 'c' }, {}),
      );
      expect(refusal).toMatchObject({ code: 'idp_unavailable', phase: 'oidc.discovery' });
    });
  });

  describe('private_key_jwt client authentication', () => {
    /** A connector with no client secret, signing its token requests with `privateKey`. */
    const signingConnector = (alg: 'RS256' | 'ES256', privateKey: string, keyId = `client-${alg}`) =>
      oidcConnector({
        issuer: provider.issuer,
        clientId: 'fedgate-pkjwt',
        clientSecret: undefined,
        privateKeyJwt: { privateKey, keyId, alg },
      });

    it('signs in and refreshes with an RS256 client assertion, sending no secret', async () => {
      const tokenRequests: ObservedRequest[] = [];
      provider.tampering.observe = (path, request) => {
        if (path === '/token') {
          tokenRequests.push(request);
        }
      };
      const connector = signingConnector('RS256', clientKeys.RS256!);
      const signedIn = await signIn(connector, 'alice');
      expect(signedIn.identity.subject).toBe('alice');
      expect(await connector.refresh(signedIn, {})).toMatchObject({ kind: 'current' });
      expect(tokenRequests).toHaveLength(2);
      for (const request of tokenRequests) {
        const form = new URLSearchParams(request.body);
        expect(form.get('client_assertion_type')).toBe(
          'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        );
        expect(form.get('client_assertion')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
        expect(request.authorization).toBeUndefined();
      }
    });

    it('signs in with an ES256 client assertion', async () => {
      const signedIn = await signIn(signingConnector('ES256', clientKeys.ES256!), 'alice');
      expect(signedIn.identity.subject).toBe('alice');
    });

    it('refuses the sign-in when fedgate signs with a key the provider does not know, naming the token phase', async () => {
      const connector = signingConnector('RS256', clientKeys.unregistered!);
      const attempt = await startAttempt(connector, 'alice');
      const failure = await complete(connector, attempt).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(FedgateError);
      const refusal = failure as FedgateError;
      expect(refusal).toMatchObject({ code: 'assertion_invalid', phase: 'oidc.token' });
      expect(refusal.detail).toMatchObject({
        connector: 'corp',
        check: 'provider-error',
        error: 'invalid_client',
      });
      expect(refusal.message).toBe('The identity provider refused the sign-in (invalid_client)');
      expect(JSON.stringify({ message: refusal.message, detail: refusal.detail })).not.toContain(
        attempt.query.code,
      );
    });
  });

  describe('refusals', () => {
    const connector = () => oidcConnector({ issuer: provider.issuer });

    it('refuses an answer naming another issuer (RFC 9207 iss)', async () => {
      const attempt = await startAttempt(connector(), 'alice');
      const query = { ...attempt.query, iss: other.issuer };
      expect(await refusalOf(complete(connector(), attempt, { query }))).toEqual({
        code: 'assertion_invalid',
        phase: 'oidc.state',
        check: 'iss',
      });
    });

    it('refuses an answer without iss when the provider advertises it', async () => {
      const attempt = await startAttempt(connector(), 'alice');
      const { iss: _dropped, ...query } = attempt.query;
      expect(await refusalOf(complete(connector(), attempt, { query }))).toMatchObject({
        phase: 'oidc.state',
        check: 'iss',
      });
    });

    it('refuses a code redeemed without the verifier it was issued for (PKCE)', async () => {
      const instance = connector();
      const attempt = await startAttempt(instance, 'alice');
      const refusal = await refusalOf(complete(instance, attempt, { codeVerifier: 'x'.repeat(43) }));
      expect(refusal).toEqual({ code: 'assertion_invalid', phase: 'oidc.token', check: 'provider-error' });
    });

    it('refuses a code redeemed with no PKCE verifier at all', async () => {
      const instance = connector();
      const attempt = await startAttempt(instance, 'alice');
      const refusal = await refusalOf(complete(instance, attempt, { codeVerifier: '' }));
      expect(refusal).toEqual({ code: 'assertion_invalid', phase: 'oidc.token', check: 'provider-error' });
    });

    it('refuses a code replayed after its sign-in', async () => {
      const instance = connector();
      const attempt = await startAttempt(instance, 'alice');
      await complete(instance, attempt);
      expect(await refusalOf(complete(instance, attempt))).toMatchObject({
        code: 'assertion_invalid',
        phase: 'oidc.token',
      });
    });

    it('refuses an ID token with another nonce', async () => {
      const instance = connector();
      const attempt = await startAttempt(instance, 'alice');
      expect(await refusalOf(complete(instance, attempt, { nonce: 'another-nonce' }))).toEqual({
        code: 'assertion_invalid',
        phase: 'oidc.id-token',
        check: 'nonce',
      });
    });

    /** Replaces the ID token of the next token response with what `forge` makes of its claims. */
    function rewriteIdToken(forge: (claims: Record<string, unknown>) => Promise<string>): void {
      provider.tampering.token = async (body) => ({
        ...body,
        id_token: await forge(decodePayload(body.id_token as string)),
      });
    }

    async function refusalWithForgedIdToken(forge: (claims: Record<string, unknown>) => Promise<string>) {
      const instance = connector();
      const attempt = await startAttempt(instance, 'alice');
      rewriteIdToken(forge);
      return refusalOf(complete(instance, attempt));
    }

    it('refuses an unsigned ID token (alg none)', async () => {
      const refusal = await refusalWithForgedIdToken((claims) => {
        const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
        return Promise.resolve(`${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`);
      });
      expect(refusal).toMatchObject({ code: 'assertion_invalid', phase: 'oidc.id-token', check: 'alg' });
    });

    it('refuses an ID token signed with HS256 (a shared secret in place of the provider key)', async () => {
      const refusal = await refusalWithForgedIdToken((claims) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256' })
          .sign(new TextEncoder().encode(CLIENT_SECRET)),
      );
      expect(refusal).toMatchObject({ code: 'assertion_invalid', phase: 'oidc.id-token', check: 'alg' });
    });

    it("refuses an ID token signed with the provider's own ES256 key when the connector pins RS256", async () => {
      const refusal = await refusalWithForgedIdToken((claims) => provider.forge(claims, 'ES256'));
      expect(refusal).toMatchObject({ code: 'assertion_invalid', phase: 'oidc.id-token', check: 'alg' });
    });

    it('refuses an ID token whose signature does not match its content', async () => {
      const refusal = await refusalWithForgedIdToken(async (claims) => {
        const [header, , signature] = (await provider.forge(claims)).split('.');
        const payload = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
        return `${header ?? ''}.${payload}.${signature ?? ''}`;
      });
      expect(refusal).toEqual({ code: 'assertion_invalid', phase: 'oidc.id-token', check: 'signature' });
    });

    it('refuses an ID token for another audience', async () => {
      const refusal = await refusalWithForgedIdToken((claims) =>
        provider.forge({ ...claims, aud: 'someone-else' }),
      );
      expect(refusal).toMatchObject({ code: 'assertion_invalid', phase: 'oidc.id-token', check: 'aud' });
    });

    it('refuses an ID token with several audiences whose azp is another party', async () => {
      const refusal = await refusalWithForgedIdToken((claims) =>
        provider.forge({ ...claims, aud: ['fedgate', 'someone-else'], azp: 'someone-else' }),
      );
      expect(refusal).toMatchObject({ code: 'assertion_invalid', phase: 'oidc.id-token', check: 'azp' });
    });

    it('refuses an ID token issued in the future beyond the clock skew', async () => {
      const refusal = await refusalWithForgedIdToken((claims) =>
        provider.forge({ ...claims, iat: Math.floor(Date.now() / 1000) + 600 }),
      );
      expect(refusal).toEqual({ code: 'assertion_invalid', phase: 'oidc.id-token', check: 'iat' });
    });

    it('refuses an expired ID token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const refusal = await refusalWithForgedIdToken((claims) =>
        provider.forge({ ...claims, iat: now - 7200, exp: now - 3600 }),
      );
      expect(refusal).toMatchObject({ code: 'assertion_invalid', phase: 'oidc.id-token', check: 'exp' });
    });

    it('refuses UserInfo about another subject', async () => {
      const instance = connector();
      const attempt = await startAttempt(instance, 'alice');
      provider.tampering.userinfo = (body) => ({ ...body, sub: 'mallory' });
      expect(await refusalOf(complete(instance, attempt))).toEqual({
        code: 'assertion_invalid',
        phase: 'oidc.userinfo',
        check: 'sub',
      });
    });

    it('refuses the provider error response with its code', async () => {
      const instance = connector();
      const attempt = await startAttempt(instance, 'alice');
      const query = { error: 'access_denied', state: attempt.query.state ?? '', iss: provider.issuer };
      expect(await refusalOf(complete(instance, attempt, { query }))).toEqual({
        code: 'assertion_invalid',
        phase: 'oidc.state',
        check: 'error-response',
      });
    });
  });

  describe('mix-up across two providers', () => {
    it("refuses the other provider's answer to this provider's sign-in", async () => {
      const honest = oidcConnector({ issuer: provider.issuer });
      const attacker = oidcConnector({ id: 'other', issuer: other.issuer });
      const started = await startAttempt(honest, 'alice');
      // The other provider answers the same browser, with a code of its own.
      const answer = await startAttempt(attacker, 'alice');
      const query = { ...answer.query, state: started.query.state ?? '' };
      expect(await refusalOf(complete(honest, started, { query }))).toEqual({
        code: 'assertion_invalid',
        phase: 'oidc.state',
        check: 'iss',
      });
    });

    it("refuses the other provider's ID token in this provider's token response", async () => {
      const honest = oidcConnector({ issuer: provider.issuer });
      const attempt = await startAttempt(honest, 'alice');
      provider.tampering.token = async (body) => ({
        ...body,
        id_token: await other.forge({ ...decodePayload(body.id_token as string), iss: other.issuer }),
      });
      expect(await refusalOf(complete(honest, attempt))).toMatchObject({
        code: 'assertion_invalid',
        phase: 'oidc.id-token',
      });
    });
  });

  describe('presets', () => {
    it('google: admits a Workspace domain by the signed hd claim, refuses another', async () => {
      const google = oidcConnector({
        issuer: provider.issuer,
        preset: { name: 'google', hostedDomains: ['corp.example'] },
      });
      const attempt = await startAttempt(google, 'alice');
      expect(new URL(attempt.authorizationUrl).searchParams.get('hd')).toBe('corp.example');
      const signedIn = await complete(google, attempt);
      expect(signedIn.identity.username).toBe('alice@corp.example');
      expect(await refusalOf(signIn(google, 'mallory'))).toMatchObject({
        phase: 'oidc.id-token',
        check: 'hd',
      });
    });

    it('microsoft: admits the configured tenant by tid, refuses another tenant and a groups overage', async () => {
      const microsoft = oidcConnector({
        issuer: provider.issuer,
        preset: { name: 'microsoft', tenantId: '11111111-2222-3333-4444-555555555555' },
      });
      expect((await signIn(microsoft, 'alice')).identity.groups).toEqual(['eng', 'ops']);
      expect(await refusalOf(signIn(microsoft, 'mallory'))).toMatchObject({
        phase: 'oidc.id-token',
        check: 'tid',
      });
      const attempt = await startAttempt(microsoft, 'alice');
      provider.tampering.token = async (body) => {
        const { groups: _omitted, ...claims } = decodePayload(body.id_token as string);
        return {
          ...body,
          id_token: await provider.forge({
            ...claims,
            _claim_names: { groups: 'src1' },
            _claim_sources: {
              src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' },
            },
          }),
        };
      };
      expect(await refusalOf(complete(microsoft, attempt))).toMatchObject({
        phase: 'oidc.id-token',
        check: 'groups-overage',
      });
    });
  });

  describe('refresh', () => {
    it('re-reads the user through the refresh token, and reports a removed user as revoked', async () => {
      const connector = oidcConnector({ issuer: provider.issuer });
      const signedIn = await signIn(connector, 'alice');
      const alice = provider.account('alice')!;
      await provider.setAccount('alice', { ...alice, groups: ['eng'] });
      try {
        const refreshed = await connector.refresh(signedIn, {});
        expect(refreshed).toMatchObject({ kind: 'current', identity: { subject: 'alice', groups: ['eng'] } });
        expect(refreshed.kind === 'current' && refreshed.identity.authTime).toBe(signedIn.identity.authTime);
        await provider.setAccount('alice', undefined);
        const next = refreshed.kind === 'current' ? refreshed : signedIn;
        expect(await connector.refresh(next, {})).toMatchObject({ kind: 'revoked' });
      } finally {
        await provider.setAccount('alice', alice);
      }
    });
  });

  describe('key rotation', () => {
    it('refetches the key set once for an unknown kid, no more than once a minute', async () => {
      let offset = 0;
      let fetches = 0;
      provider.tampering.observe = (path) => {
        if (path === '/jwks') {
          fetches += 1;
        }
      };
      const connector = oidcConnector(
        { issuer: provider.issuer },
        { now: () => new Date(Date.now() + offset) },
      );
      await signIn(connector, 'alice');
      expect(fetches).toBe(1);
      const rotated = await signingKey('RS256', 'rsa-2');
      await provider.rotate([rotated, ec]);
      try {
        // Within a minute of the last fetch, an unknown kid is refused without asking again.
        expect(await refusalOf(signIn(connector, 'alice'))).toEqual({
          code: 'assertion_invalid',
          phase: 'oidc.id-token',
          check: 'kid',
        });
        expect(fetches).toBe(1);
        offset = 61_000;
        expect((await signIn(connector, 'alice')).identity.subject).toBe('alice');
        expect(fetches).toBe(2);
        // A burst of tokens with kids the provider never published costs no more requests.
        for (let round = 0; round < 3; round += 1) {
          const attempt = await startAttempt(connector, 'alice');
          provider.tampering.token = async (body) => ({
            ...body,
            id_token: await new SignJWT(decodePayload(body.id_token as string))
              .setProtectedHeader({ alg: 'RS256', kid: `forged-${round}` })
              .sign(rotated.privateKey),
          });
          expect(await refusalOf(complete(connector, attempt))).toMatchObject({ check: 'kid' });
          delete provider.tampering.token;
        }
        expect(fetches).toBe(2);
      } finally {
        await provider.rotate([rsa, ec]);
      }
    });
  });

  describeCallbackConnectorContract('oidc on oidc-provider', () => ({
    connector: oidcConnector({ issuer: provider.issuer }),
    unreachable: oidcConnector({ issuer: `http://127.0.0.1:${closedPort}` }),
    callbackUrl: CALLBACK_URL,
    approve: (url) => signInAtProvider(url, 'alice', CALLBACK_URL),
    decline: (url) => signInAtProvider(url, 'alice', CALLBACK_URL, { decline: true }),
  }));
});
