import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brokerEndpoint } from './broker-url';
import {
  CLI_CLIENT_ID,
  CLI_REDIRECT_PATH,
  isTokenResponse,
  postForm,
  type TokenResponse,
} from './oauth-client';

/** The login did not complete; the message says why and what to do. */
export class LoginFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoginFailedError';
  }
}

export interface LoopbackLoginOptions {
  /** Called with the URL the user must open (the command opens the browser and prints it). */
  onAuthorizationUrl: (url: string) => Promise<void> | void;
  /** How long to wait for the browser to come back. */
  timeoutMs: number;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'",
  'referrer-policy': 'no-referrer',
};

function page(title: string, text: string): string {
  // Fixed texts only: nothing from the request is echoed into the page.
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The authorization code the browser brought back, or why there is none. */
type CallbackResult = { code: string } | { error: string };

/**
 * `fedgate login` through the browser (RFC 8252): a one-shot HTTP server on
 * 127.0.0.1 at a port the system picks, PKCE S256 and a random state. The
 * broker sends the browser back to `http://127.0.0.1:{port}/callback` with
 * the code; only a request with the right state is taken, then the server
 * closes and the code is exchanged for tokens.
 */
export async function loopbackLogin(
  brokerUrl: string,
  options: LoopbackLoginOptions,
): Promise<TokenResponse & { refresh_token: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(24).toString('base64url');

  let settle: (result: CallbackResult) => void = () => undefined;
  const callback = new Promise<CallbackResult>((resolve) => {
    settle = resolve;
  });
  const server = createServer((request, response) => {
    handleCallback(request, response, state, settle);
  });
  await listen(server);
  try {
    const { port } = server.address() as AddressInfo;
    const redirectUri = `http://127.0.0.1:${port}${CLI_REDIRECT_PATH}`;
    const authorize = new URL(brokerEndpoint(brokerUrl, '/oauth/authorize'));
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: CLI_CLIENT_ID,
      redirect_uri: redirectUri,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    await options.onAuthorizationUrl(authorize.toString());
    const result = await withTimeout(callback, options.timeoutMs);
    if ('error' in result) {
      throw new LoginFailedError(result.error);
    }
    const answer = await postForm<unknown>(brokerUrl, '/oauth/token', {
      grant_type: 'authorization_code',
      client_id: CLI_CLIENT_ID,
      code: result.code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    if (!answer.ok) {
      throw new LoginFailedError(
        `the broker refused the login (${answer.error.error}${answer.error.error_description === undefined ? '' : `: ${answer.error.error_description}`}); run fedgate login again`,
      );
    }
    if (!isTokenResponse(answer.body)) {
      throw new LoginFailedError('the broker answered without the tokens it must send');
    }
    return answer.body;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
}

function handleCallback(
  request: IncomingMessage,
  response: ServerResponse,
  state: string,
  settle: (result: CallbackResult) => void,
): void {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (request.method !== 'GET' || url.pathname !== CLI_REDIRECT_PATH) {
    response
      .writeHead(404, PAGE_HEADERS)
      .end(page('Not found', 'This is fedgate login&#39;s one-time listener.'));
    return;
  }
  // A request without our state is not the broker's answer (another tab, a probe): ignore it, keep waiting.
  const returnedState = url.searchParams.get('state');
  if (returnedState === null || !sameText(returnedState, state)) {
    response
      .writeHead(400, PAGE_HEADERS)
      .end(page('Unexpected request', 'This request was not started by fedgate login.'));
    return;
  }
  const code = url.searchParams.get('code');
  const error = url.searchParams.get('error');
  if (code !== null && code !== '') {
    response
      .writeHead(200, PAGE_HEADERS)
      .end(page('Signed in', 'fedgate login is complete. You can close this tab.'));
    settle({ code });
    return;
  }
  response
    .writeHead(400, PAGE_HEADERS)
    .end(page('Not signed in', 'The broker did not sign you in. See your terminal.'));
  settle({
    error: `the broker did not sign you in (${error === null ? 'no code' : error.replace(/[^\w.-]/g, '')}); run fedgate login again`,
  });
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Port 0: the system picks a free port; 127.0.0.1 only, never every interface.
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(
        new LoginFailedError(
          `no answer from the browser within ${Math.round(timeoutMs / 1000)} s; run fedgate login again (or fedgate login --device on a machine without a browser)`,
        ),
      );
    }, timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}
