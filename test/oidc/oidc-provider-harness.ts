import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import ts from 'typescript';
import { freePort, startProcess, tcpAccepts, type RunningProcess } from '../harness/processes';
import type { ProviderProcessConfig } from './oidc-provider-process';

/**
 * A real OpenID Provider for tests: node-oidc-provider, in a Node process of
 * its own on loopback (test/oidc/oidc-provider-process.ts), with its dev
 * login page (any login name, any password), behind a small proxy in this
 * process that can rewrite what the provider answers (discovery, token and
 * UserInfo responses, the redirect back to fedgate). The proxy is the
 * attacker or the misbehaving provider of a refusal test; left alone it
 * passes everything through unchanged. The test holds the provider's
 * signing keys, so it can also forge validly signed tokens with wrong claims.
 */

/** Where the harness changes the provider process's keys and accounts; the proxy never forwards it. */
const CONTROL_PATH = '/__fedgate_test__/state';

/** The provider process's code: its TypeScript source as an ES module, run by `node -e`. */
let providerProgram: string | undefined;
function providerProcessProgram(): string {
  providerProgram ??= ts.transpileModule(readFileSync(join(__dirname, 'oidc-provider-process.ts'), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  return providerProgram;
}

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
  /** Sees each request on its way to the provider, by path. */
  observe?: (path: string, request: ObservedRequest) => void;
}

/** A request the proxy forwarded, as the client sent it. */
export interface ObservedRequest {
  body: string;
  authorization: string | undefined;
}

export interface TestProviderOptions {
  clients: TestClient[];
  keys: SigningKey[];
  /** Claims per account (login name = `sub`); an account absent here cannot sign in or refresh. */
  accounts: Record<string, Record<string, unknown>>;
}

export class TestOidcProvider {
  tampering: Tampering = {};
  private readonly accountClaims: Map<string, Record<string, unknown>>;
  private keys: SigningKey[];

  private constructor(
    readonly issuer: string,
    options: TestProviderOptions,
    private readonly front: Server,
    private readonly back: RunningProcess,
    private readonly backPort: number,
  ) {
    this.accountClaims = new Map(Object.entries(options.accounts));
    this.keys = options.keys;
  }

  static async start(options: TestProviderOptions): Promise<TestOidcProvider> {
    // The proxy needs its port first: it is the issuer the provider process is started with.
    const started: { instance?: TestOidcProvider } = {};
    const front = createServer((request, response) => {
      void started.instance?.proxy(request, response);
    });
    await listen(front);
    const issuer = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    const backPort = await freePort();
    const config: ProviderProcessConfig = {
      issuer,
      port: backPort,
      clients: options.clients,
      keys: options.keys.map((key) => key.privateJwk),
      accounts: options.accounts,
      controlPath: CONTROL_PATH,
    };
    let back: RunningProcess;
    try {
      back = await startProcess({
        command: process.execPath,
        args: ['--input-type=module', '--eval', providerProcessProgram()],
        // Bare imports of `node -e` resolve from the working directory: the repository's node_modules.
        cwd: resolve(__dirname, '..', '..'),
        env: { FEDGATE_TEST_OIDC_PROVIDER: JSON.stringify(config) },
        ready: () => tcpAccepts('127.0.0.1', backPort),
      });
    } catch (error) {
      await close(front);
      throw error;
    }
    const instance = new TestOidcProvider(issuer, options, front, back, backPort);
    started.instance = instance;
    return instance;
  }

  /** The claims of an account, as the provider has them now. */
  account(id: string): Record<string, unknown> | undefined {
    return this.accountClaims.get(id);
  }

  /** Changes an account's claims, or removes the account (`undefined`): it then cannot sign in or refresh. */
  async setAccount(id: string, claims: Record<string, unknown> | undefined): Promise<void> {
    if (claims === undefined) {
      this.accountClaims.delete(id);
    } else {
      this.accountClaims.set(id, claims);
    }
    await this.control({ accounts: Object.fromEntries(this.accountClaims) });
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
  async rotate(keys: SigningKey[]): Promise<void> {
    this.keys = keys;
    await this.control({ keys: keys.map((key) => key.privateJwk) });
  }

  reset(): void {
    this.tampering = {};
  }

  /** Signs claims with the provider's current key for `alg`: a token the provider could have issued. */
  async forge(claims: JWTPayload, alg: SigningKey['alg'] = 'RS256'): Promise<string> {
    const key = this.currentKey(alg);
    return new SignJWT(claims).setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  }

  /** What the provider process printed: its warnings and errors, for a failure message. */
  output(): string {
    return this.back.output();
  }

  async stop(): Promise<void> {
    await Promise.all([close(this.front), this.back.stop()]);
  }

  private async control(change: Partial<Pick<ProviderProcessConfig, 'keys' | 'accounts'>>): Promise<void> {
    const response = await fetch(`http://127.0.0.1:${this.backPort}${CONTROL_PATH}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(change),
    });
    if (response.status !== 204) {
      throw new Error(`the provider process refused the change: ${response.status} ${await response.text()}`);
    }
  }

  /** Forwards one request to the provider, rewriting the answer when a hook is set for it. */
  private async proxy(request: IncomingMessage, response: import('node:http').ServerResponse): Promise<void> {
    const body = await readAll(request);
    const requestPath = new URL(request.url ?? '/', this.issuer).pathname;
    if (requestPath === CONTROL_PATH) {
      response.writeHead(404).end();
      return;
    }
    this.tampering.observe?.(requestPath, {
      body: body.toString('utf8'),
      authorization: request.headers.authorization,
    });
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
 * the provider sends back to `redirectUri` (code, state, iss). With
 * `decline`, the user presses the login page's Cancel instead: the query
 * then carries the provider's `access_denied`.
 */
export async function signInAtProvider(
  authorizationUrl: string,
  login: string,
  redirectUri: string,
  { decline = false }: { decline?: boolean } = {},
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
    const cancel = /<a href="([^"]+\/abort)">\[ Cancel \]<\/a>/.exec(html)?.[1];
    if (decline && cancel !== undefined) {
      url = new URL(cancel.replace(/&amp;/g, '&'), url).href;
      method = 'GET';
      body = undefined;
      continue;
    }
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
