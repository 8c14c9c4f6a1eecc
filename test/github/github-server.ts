/**
 * A local stand-in for GitHub (laid out as a GitHub Enterprise Server: sign-in
 * at `/login/oauth/*`, the REST API at `/api/v3`) that answers as GitHub's
 * documentation says: "Authorizing OAuth apps" (codes single-use for 10
 * minutes, PKCE S256, errors as HTTP 200 with `{"error": …}`), the REST
 * endpoints `/user`, `/user/emails`, `/user/orgs` and `/user/teams` with
 * ("Refreshing user access tokens" for a client with expiring tokens: ghu_
 * tokens with single-use ghr_ refresh tokens, `bad_refresh_token`),
 * `per_page`/`page` pagination and `Link` headers, `x-ratelimit-*` headers,
 * primary and secondary rate limits, and `{"message", "documentation_url"}`
 * error bodies. `switches` make it misbehave for one test; `reset()` clears
 * them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestGithubUser {
  id: number;
  login: string;
  name: string | null;
  emails: { email: string; primary: boolean; verified: boolean }[];
  orgs: string[];
  /** Teams as `org/slug`. */
  teams: string[];
}

export interface TestGithubClient {
  clientId: string;
  clientSecret: string;
  /** A GitHub App with "Expire user authorization tokens": tokens come with a refresh token. */
  expiringTokens?: boolean;
}

/** What a test can make this GitHub do. */
export interface GithubSwitches {
  /** Items per page at most, whatever `per_page` asks (to exercise pagination). */
  pageSize: number;
  /** The user refuses to authorize the app (`error=access_denied` on the callback). */
  deny: boolean;
  /** A rate limit on every API path starting with this (`/user/orgs`): `primary` (403, remaining 0) or `secondary` (429, retry-after). */
  rateLimit: { path: string; kind: 'primary' | 'secondary' } | undefined;
  /** This status and message on every request whose path starts with `path` (`/login/oauth/access_token`, `/api/v3/user/teams`). */
  failure: { path: string; status: number; message: string } | undefined;
  /** Answers wait this long (to exercise timeouts). */
  delayMs: number;
  /** `Link` next pages point at this origin instead of this server's. */
  nextPageOrigin: string | undefined;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  login: string;
  challenge: string | undefined;
  expiresAt: number;
  used: boolean;
}

/** A request as this GitHub received it, for assertions on what fedgate sent. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const DOCS = 'https://docs.github.com/rest';
const RATE_LIMIT = 5000;

function defaults(): GithubSwitches {
  return {
    pageSize: 100,
    deny: false,
    rateLimit: undefined,
    failure: undefined,
    delayMs: 0,
    nextPageOrigin: undefined,
  };
}

export class TestGithub {
  switches: GithubSwitches = defaults();
  /** Who the browser is signed in to GitHub as: whoever approves the next authorization. */
  signedInAs: string;
  readonly requests: ReceivedRequest[] = [];
  /** Every access and refresh token handed out, for scanning logs. */
  readonly issuedTokens: string[] = [];
  private readonly codes = new Map<string, IssuedCode>();
  private readonly tokens = new Map<string, string>();
  /** Unspent refresh tokens → the user and client they were issued to. */
  private readonly refreshTokens = new Map<string, { login: string; clientId: string }>();
  private readonly users: Map<string, TestGithubUser>;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly clients: readonly TestGithubClient[],
    users: readonly TestGithubUser[],
  ) {
    this.users = new Map(users.map((user) => [user.login, user]));
    this.signedInAs = users[0]?.login ?? '';
  }

  static async start(options: {
    clients: readonly TestGithubClient[];
    users: readonly TestGithubUser[];
  }): Promise<TestGithub> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    const github = new TestGithub(server, `http://127.0.0.1:${port}`, options.clients, options.users);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      github.handle(request, response).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      });
    });
    return github;
  }

  /** The REST API's root, as fedgate derives it for an Enterprise Server. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/v3`;
  }

  /** The user's current account at GitHub. */
  user(login: string): TestGithubUser | undefined {
    return this.users.get(login);
  }

  /** Changes a user at GitHub (left an organization, changed email): what fedgate reads next. */
  updateUser(login: string, change: Partial<Omit<TestGithubUser, 'login'>>): void {
    const user = this.users.get(login);
    if (user === undefined) {
      throw new Error(`the test GitHub has no user ${login}`);
    }
    this.users.set(login, { ...user, ...change });
  }

  /** The user revokes the app in their GitHub settings: every token and refresh token of theirs stops working. */
  revokeAuthorization(login: string): void {
    for (const [token, owner] of this.tokens) {
      if (owner === login) {
        this.tokens.delete(token);
      }
    }
    for (const [token, owner] of this.refreshTokens) {
      if (owner.login === login) {
        this.refreshTokens.delete(token);
      }
    }
  }

  reset(): void {
    this.switches = defaults();
    this.requests.length = 0;
    this.signedInAs = [...this.users.keys()][0] ?? '';
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  /**
   * The user at GitHub: opens the authorization URL fedgate made, approves
   * (or not, with `switches.deny`), and returns the query GitHub redirects
   * the browser back to the callback with.
   */
  async approve(authorizationUrl: string): Promise<Record<string, string>> {
    const response = await fetch(authorizationUrl, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status !== 302 || location === null) {
      throw new Error(`GitHub did not redirect back: ${response.status} ${await response.text()}`);
    }
    return Object.fromEntries(new URL(location).searchParams);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    this.requests.push({
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body,
    });
    if (this.switches.delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.switches.delayMs));
    }
    const url = new URL(request.url ?? '/', this.baseUrl);
    const failure = this.switches.failure;
    if (failure !== undefined && url.pathname.startsWith(failure.path)) {
      sendJson(response, failure.status, { message: failure.message, documentation_url: DOCS });
      return;
    }
    if (request.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      this.authorize(url, response);
      return;
    }
    if (request.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      this.accessToken(request, body, response);
      return;
    }
    if (request.method === 'GET' && url.pathname.startsWith('/api/v3/')) {
      this.api(request, url, response);
      return;
    }
    sendJson(response, 404, { message: 'Not Found', documentation_url: DOCS });
  }

  private authorize(url: URL, response: ServerResponse): void {
    const params = url.searchParams;
    const client = this.clients.find((candidate) => candidate.clientId === params.get('client_id'));
    const redirectUri = params.get('redirect_uri') ?? '';
    if (client === undefined || !URL.canParse(redirectUri)) {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>404</h1>');
      return;
    }
    const back = new URL(redirectUri);
    const state = params.get('state');
    if (state !== null) {
      back.searchParams.set('state', state);
    }
    if (this.switches.deny) {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user has denied your application access.');
      back.searchParams.set('error_uri', 'https://docs.github.com/apps/troubleshooting');
    } else {
      const code = randomBytes(10).toString('hex');
      const method = params.get('code_challenge_method');
      this.codes.set(code, {
        clientId: client.clientId,
        redirectUri,
        login: this.signedInAs,
        challenge: method === 'S256' ? (params.get('code_challenge') ?? undefined) : undefined,
        expiresAt: Date.now() + 10 * 60_000,
        used: false,
      });
      back.searchParams.set('code', code);
    }
    response.writeHead(302, { location: back.href }).end();
  }

  /** POST /login/oauth/access_token: errors are HTTP 200 with `error`, as GitHub answers them. */
  private accessToken(request: IncomingMessage, body: string, response: ServerResponse): void {
    const form = (request.headers['content-type'] ?? '').includes('application/json')
      ? new URLSearchParams(JSON.parse(body) as Record<string, string>)
      : new URLSearchParams(body);
    const answer = (fields: Record<string, string>) => {
      if ((request.headers.accept ?? '').includes('application/json')) {
        sendJson(response, 200, fields);
      } else {
        response.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
        response.end(new URLSearchParams(fields).toString());
      }
    };
    const refuse = (error: string, description: string) => {
      answer({
        error,
        error_description: description,
        error_uri: 'https://docs.github.com/apps/troubleshooting',
      });
    };
    const client = this.clients.find((candidate) => candidate.clientId === form.get('client_id'));
    if (client === undefined || client.clientSecret !== form.get('client_secret')) {
      refuse('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
      return;
    }
    if (form.get('grant_type') === 'refresh_token') {
      const spent = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (!client.expiringTokens) {
        refuse('unsupported_grant_type', 'The grant type is not supported for this application.');
        return;
      }
      if (spent === undefined || spent.clientId !== client.clientId) {
        refuse('bad_refresh_token', 'The refresh token passed is incorrect or expired.');
        return;
      }
      // A refresh token is single-use: GitHub sends the next one with the new access token.
      this.refreshTokens.delete(form.get('refresh_token') ?? '');
      answer(this.issueTokens(client, spent.login));
      return;
    }
    const code = this.codes.get(form.get('code') ?? '');
    if (code === undefined || code.used || code.expiresAt < Date.now() || code.clientId !== client.clientId) {
      refuse('bad_verification_code', 'The code passed is incorrect or expired.');
      return;
    }
    // GitHub uses a code once, even when the exchange fails.
    code.used = true;
    const redirectUri = form.get('redirect_uri');
    if (redirectUri !== null && redirectUri !== code.redirectUri) {
      refuse(
        'redirect_uri_mismatch',
        'The redirect_uri MUST match the registered callback URL for this application.',
      );
      return;
    }
    if (code.challenge !== undefined) {
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) {
        refuse('bad_verification_code', 'The code passed is incorrect or expired.');
        return;
      }
    }
    answer(this.issueTokens(client, code.login));
  }

  /** An OAuth App's token (gho_, never expires), or a GitHub App's expiring ghu_ token with a ghr_ refresh token. */
  private issueTokens(client: TestGithubClient, login: string): Record<string, string> {
    if (!client.expiringTokens) {
      const token = `gho_${randomBytes(18).toString('base64url')}`;
      this.tokens.set(token, login);
      this.issuedTokens.push(token);
      return { access_token: token, token_type: 'bearer', scope: 'read:org,read:user,user:email' };
    }
    const token = `ghu_${randomBytes(18).toString('base64url')}`;
    const refreshToken = `ghr_${randomBytes(38).toString('base64url')}`;
    this.tokens.set(token, login);
    this.refreshTokens.set(refreshToken, { login, clientId: client.clientId });
    this.issuedTokens.push(token, refreshToken);
    return {
      access_token: token,
      expires_in: '28800',
      refresh_token: refreshToken,
      refresh_token_expires_in: '15811200',
      scope: '',
      token_type: 'bearer',
    };
  }

  private api(request: IncomingMessage, url: URL, response: ServerResponse): void {
    const path = url.pathname.slice('/api/v3'.length);
    const limit = this.switches.rateLimit;
    const reset = Math.floor(Date.now() / 1000) + 120;
    const rateHeaders = (remaining: number) => ({
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-used': String(RATE_LIMIT - remaining),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-resource': 'core',
    });
    if (limit !== undefined && path.startsWith(limit.path)) {
      if (limit.kind === 'primary') {
        sendJson(
          response,
          403,
          { message: 'API rate limit exceeded for user ID 1.', documentation_url: DOCS },
          rateHeaders(0),
        );
      } else {
        sendJson(
          response,
          429,
          {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            documentation_url: DOCS,
          },
          { ...rateHeaders(4000), 'retry-after': '30' },
        );
      }
      return;
    }
    const authorization = request.headers.authorization ?? '';
    const token = /^(?:token|bearer) (\S+)$/i.exec(authorization)?.[1];
    const user = this.users.get(token === undefined ? '' : (this.tokens.get(token) ?? ''));
    if (user === undefined) {
      sendJson(
        response,
        401,
        { message: 'Bad credentials', documentation_url: DOCS, status: '401' },
        rateHeaders(59),
      );
      return;
    }
    if (path === '/user') {
      sendJson(
        response,
        200,
        {
          login: user.login,
          id: user.id,
          node_id: `U_${user.id}`,
          type: 'User',
          site_admin: false,
          name: user.name,
          // The public profile email, which may be unverified: fedgate must not read it.
          email: user.emails.find((email) => !email.verified)?.email ?? null,
        },
        rateHeaders(4999),
      );
      return;
    }
    const lists: Record<string, unknown[]> = {
      '/user/emails': user.emails.map((email) => ({
        ...email,
        visibility: email.primary ? 'private' : null,
      })),
      '/user/orgs': user.orgs.map((login, index) => ({
        login,
        id: 9000 + index,
        node_id: `O_${index}`,
        description: null,
      })),
      '/user/teams': user.teams.map((team, index) => {
        const [org = '', slug = ''] = team.split('/');
        return {
          id: 7000 + index,
          slug,
          name: slug,
          privacy: 'closed',
          organization: { login: org, id: 9000 },
        };
      }),
    };
    const items = lists[path];
    if (items === undefined) {
      sendJson(response, 404, { message: 'Not Found', documentation_url: DOCS }, rateHeaders(4999));
      return;
    }
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? '30'), this.switches.pageSize);
    const page = Number(url.searchParams.get('page') ?? '1');
    const headers: Record<string, string> = rateHeaders(4999);
    if (page * perPage < items.length) {
      const next = new URL(url.pathname, this.switches.nextPageOrigin ?? this.baseUrl);
      next.searchParams.set('per_page', String(perPage));
      next.searchParams.set('page', String(page + 1));
      headers.link = `<${next.href}>; rel="next"`;
    }
    sendJson(response, 200, items.slice((page - 1) * perPage, page * perPage), headers);
  }
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}
