import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import Provider, { type Configuration, type ProviderContext } from 'oidc-provider';

/**
 * A real OpenID Provider for tests: node-oidc-provider on loopback, with
 * its dev login page (any login name, any password), behind a small proxy
 * that can rewrite what the provider answers (discovery, token and UserInfo
 * responses, the redirect back to fedgate). The proxy is the attacker or
 * the misbehaving provider of a refusal test; left alone it passes
 * everything through unchanged. The test holds the provider's signing keys,
 * so it can also forge validly signed tokens with wrong claims.
 */

/** One signing key of the provider, with its private half for forging. */
export interface SigningKey {
  alg: 'RS256' | 'ES256';
  kid: string;
  privateJwk: JWK;
  privateKey: KeyLike;
}

export async function signingKey(alg: SigningKey['alg'], kid: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateJwk, privateKey };
}

/** A client registered at the provider (OAuth 2 Dynamic Client Registration metadata names). */
export interface TestClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  id_token_signed_response_alg?: string;
  token_endpoint_auth_method?: string;
  jwks?: { keys: JWK[] };
}

export type Rewrite = (
  body: Record<string, unknown>,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** What the proxy rewrites, by endpoint; each hook is cleared by `reset()`. */
export interface Tampering {
  discovery?: Rewrite;
  token?: Rewrite;
  userinfo?: Rewrite;
  /** The query of the provider's redirect back to the client. */
  callback?: (query: URLSearchParams) => URLSearchParams;
}

export interface TestProviderOptions {
  clients: TestClient[];
  keys: SigningKey[];
  /** Claims per account (login name = `sub`); an account absent here cannot sign in or refresh. */
  accounts: Record<string, Record<string, unknown>>;
}

const SCOPE_CLAIMS = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: [
    'name',
    'preferred_username',
    'groups',
    'department',
    'hd',
    'tid',
    '_claim_names',
    '_claim_sources',
  ],
};

export class TestOidcProvider {
  readonly accounts: Map<string, Record<string, unknown>>;
  tampering: Tampering = {};
  private provider: Provider;
  private keys: SigningKey[];

  private constructor(
    readonly issuer: string,
    private readonly options: TestProviderOptions,
    private readonly front: Server,
    private readonly back: Server,
    private readonly backPort: number,
  ) {
    this.accounts = new Map(Object.entries(options.accounts));
    this.keys = options.keys;
    this.provider = this.build();
  }

  static async start(options: TestProviderOptions): Promise<TestOidcProvider> {
    // The servers need their ports before the provider can be built with its issuer.
    const started: { instance?: TestOidcProvider } = {};
    const back = createServer((request, response) => {
      started.instance?.handle(request, response);
    });
    await listen(back);
    const front = createServer((request, response) => {
      void started.instance?.proxy(request, response);
    });
    await listen(front);
    const issuer = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    const instance = new TestOidcProvider(issuer, options, front, back, (back.address() as AddressInfo).port);
    started.instance = instance;
    return instance;
  }

  /** The signing key the provider uses for `alg` now. */
  currentKey(alg: SigningKey['alg']): SigningKey {
    const key = this.keys.find((candidate) => candidate.alg === alg);
    if (key === undefined) {
      throw new Error(`the test provider has no ${alg} key`);
    }
    return key;
  }

  /** Key rotation: the provider signs with and publishes these keys from now on (sessions and grants stay). */
  rotate(keys: SigningKey[]): void {
    this.keys = keys;
    this.provider = this.build();
  }

  reset(): void {
    this.tampering = {};
  }

  /** Signs claims with the provider's current key for `alg`: a token the provider could have issued. */
  async forge(claims: JWTPayload, alg: SigningKey['alg'] = 'RS256'): Promise<string> {
    const key = this.currentKey(alg);
    return new SignJWT(claims).setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  }

  async stop(): Promise<void> {
    await Promise.all([close(this.front), close(this.back)]);
  }

  private build(): Provider {
    const accounts = this.accounts;
    const configuration: Configuration = {
      clients: this.options.clients.map((client) => ({
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        ...client,
      })),
      jwks: { keys: this.keys.map((key) => key.privateJwk) },
      cookies: { keys: ['fedgate-test-provider-cookie-key'] },
      claims: SCOPE_CLAIMS,
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: true }, userinfo: { enabled: true } },
      enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'] },
      pkce: { required: () => true },
      issueRefreshToken: (_context: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
        Promise.resolve(client.grantTypeAllowed('refresh_token')),
      findAccount: (_context: ProviderContext, id: string) => {
        const claims = accounts.get(id);
        return Promise.resolve(
          claims === undefined
            ? undefined
            : { accountId: id, claims: () => Promise.resolve({ ...claims, sub: id }) },
        );
      },
      // First-party clients: no consent page, the grant covers what was asked.
      loadExistingGrant: async (context: ProviderContext) => {
        const { client, session, provider } = context.oidc;
        if (client === undefined || session?.accountId === undefined) {
          return undefined;
        }
        const existing = session.grantIdFor(client.clientId);
        if (existing !== undefined) {
          return provider.Grant.find(existing);
        }
        const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
        grant.addOIDCScope('openid email profile offline_access');
        grant.addOIDCClaims(Object.values(SCOPE_CLAIMS).flat());
        await grant.save();
        return grant;
      },
    };
    return new Provider(this.issuer, configuration);
  }

  private handle(request: IncomingMessage, response: import('node:http').ServerResponse): void {
    this.provider.callback()(request, response);
  }

  /** Forwards one request to the provider, rewriting the answer when a hook is set for it. */
  private async proxy(request: IncomingMessage, response: import('node:http').ServerResponse): Promise<void> {
    const body = await readAll(request);
    const answer = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>(
      (resolve, reject) => {
        const upstream = httpRequest(
          {
            host: '127.0.0.1',
            port: this.backPort,
            method: request.method,
            path: request.url,
            headers: request.headers,
          },
          (reply) => {
            void readAll(reply).then((data) => {
              resolve({ status: reply.statusCode ?? 502, headers: reply.headers, body: data });
            }, reject);
          },
        );
        upstream.on('error', reject);
        upstream.end(body);
      },
    );
    const path = new URL(request.url ?? '/', this.issuer).pathname;
    const hook =
      path === '/.well-known/openid-configuration'
        ? this.tampering.discovery
        : path === '/token'
          ? this.tampering.token
          : path === '/me'
            ? this.tampering.userinfo
            : undefined;
    let out = answer.body;
    if (hook !== undefined && answer.status === 200) {
      out = Buffer.from(
        JSON.stringify(await hook(JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>)),
      );
    }
    const headers = { ...answer.headers };
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    const location = headers.location;
    if (typeof location === 'string' && this.tampering.callback !== undefined && location.includes('code=')) {
      const url = new URL(location, this.issuer);
      url.search = this.tampering.callback(url.searchParams).toString();
      headers.location = url.href;
    }
    response.writeHead(answer.status, { ...headers, 'content-length': String(out.length) });
    response.end(out);
  }
}

/**
 * Signs in at the provider like a browser would, without one: follows the
 * redirects, fills the dev login page (any password), and returns the query
 * the provider sends back to `redirectUri` (code, state, iss).
 */
export async function signInAtProvider(
  authorizationUrl: string,
  login: string,
  redirectUri: string,
): Promise<Record<string, string>> {
  const cookies = new Map<string, string>();
  let url = authorizationUrl;
  let method = 'GET';
  let body: string | undefined;
  for (let step = 0; step < 20; step += 1) {
    if (url.startsWith(redirectUri)) {
      return Object.fromEntries(new URL(url).searchParams);
    }
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      cookies.set(pair.slice(0, index), pair.slice(index + 1));
    }
    const location = response.headers.get('location');
    if (location !== null) {
      url = new URL(location, url).href;
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (action === undefined) {
      throw new Error(`the provider answered ${response.status} without a form: ${pageText(html)}`);
    }
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    method = 'POST';
    body = new URLSearchParams({ prompt: 'login', login, password: 'any password' }).toString();
  }
  throw new Error('the provider did not redirect back within 20 steps');
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => {
      resolve();
    });
  });
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    stream.on('error', reject);
  });
}

/** A provider page's text, for a failure message. */
function pageText(html: string): string {
  return html
    .replace(/<style[\s\S]*<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .slice(0, 400);
}
