import { FedgateError } from '@fedgate/core';
import { AWS_LIMITS, type Partition } from '@fedgate/aws';
import type { IssuedCredentials } from '../issued-credentials';
import { allowedConsoleDestination } from './console-destination';
import { federationEndpoint } from './partitions';

/** Retry-After for a throttled getSigninToken when the endpoint names no time. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** The `phase` of every error of the getSigninToken exchange (logged and audited, never sent to clients). */
export const SIGNIN_TOKEN_PHASE = 'console.get-signin-token';

/**
 * The SessionDuration to send with getSigninToken, or undefined to send
 * none: only role credentials (AssumeRole*) may carry it (the endpoint
 * refuses it for GetFederationToken credentials), only when a duration was
 * asked for, and clamped to 900–43200 s, never above what was asked
 * (except that nothing below 900 s exists). Without it, the console session
 * ends when the credentials do.
 */
export function consoleSessionDuration(
  kind: IssuedCredentials['kind'],
  requestedSeconds: number | undefined,
): number | undefined {
  if (kind === 'federated-user' || requestedSeconds === undefined) {
    return undefined;
  }
  if (!Number.isFinite(requestedSeconds)) {
    throw new FedgateError('invalid_request', 'The console session duration must be a number of seconds');
  }
  return Math.min(
    AWS_LIMITS.consoleSession.maxSeconds,
    Math.max(AWS_LIMITS.consoleSession.minSeconds, Math.floor(requestedSeconds)),
  );
}

/** RFC 3986 percent-encoding: encodeURIComponent, plus the sub-delimiters it leaves alone. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function queryString(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([key, value]) => `${key}=${encode(value)}`).join('&');
}

export interface ConsoleSigninOptions {
  /** fedgate's public URL: the console sends users there when their session ends. */
  issuer: string;
  /** Time allowed for the getSigninToken request, body included. */
  timeoutMs: number;
  /** The HTTP client; the global fetch when absent. */
  fetch?: typeof fetch;
}

export interface ConsoleSigninTarget {
  partition: Partition;
  /** The backend's configured federation endpoint; the partition's when absent. */
  signinUrl?: string;
  /** Where the console opens; checked again with allowedConsoleDestination. */
  destination: string;
  /** How long the console session may last; see consoleSessionDuration. */
  sessionDurationSeconds?: number;
}

/** The operator-facing shape of a failed fetch: names and codes only, never messages (they can quote the URL). */
function fetchFailure(error: unknown): { errorName: string; errorCode?: string } {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    cause?: unknown;
  };
  const errorName = typeof shape.name === 'string' && /^\w{1,64}$/.test(shape.name) ? shape.name : 'Error';
  const cause = (typeof shape.cause === 'object' && shape.cause !== null ? shape.cause : {}) as {
    code?: unknown;
  };
  return typeof cause.code === 'string' && /^[A-Z0-9_]{2,64}$/.test(cause.code)
    ? { errorName, errorCode: cause.code }
    : { errorName };
}

/** A run of 20+ token characters with a digit or +/=%: an echoed key, token or session. */
const OPAQUE_RUN = /[A-Za-z0-9+/=%_-]{20,}/g;

/**
 * The first line of a refusal, for operators, when it is short plain text
 * that echoes nothing secret (sts-local answers one-line reasons; AWS's
 * answers are not documented, and could quote the request).
 */
function operatorReason(body: string, secrets: readonly string[]): string | undefined {
  const echoes = secrets.some(
    (secret) =>
      secret !== '' &&
      [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)].some((form) =>
        body.includes(form),
      ),
  );
  const line = body
    .trim()
    .split(/\r?\n/, 1)[0]
    ?.replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim();
  if (echoes || line === undefined || line === '' || line.startsWith('<')) {
    return undefined;
  }
  if ((line.match(OPAQUE_RUN) ?? []).some((run) => /[0-9+/=%]/.test(run))) {
    return undefined;
  }
  return line.slice(0, 200);
}

/**
 * Console sign-in through a partition's federation endpoint (docs/issuance.md#console-sign-in):
 * getSigninToken with the session credentials, then the login URL with
 * Issuer, Destination and SigninToken. The login URL is a bearer secret
 * for 15 minutes, and the getSigninToken URL carries the credentials: this
 * class logs nothing, and no message, detail or cause of the errors it
 * throws contains either URL, the credentials or the sign-in token.
 */
export class ConsoleSignin {
  private readonly issuer: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: ConsoleSigninOptions) {
    let issuer: URL | undefined;
    try {
      issuer = new URL(options.issuer);
    } catch {
      issuer = undefined;
    }
    if (issuer === undefined || (issuer.protocol !== 'https:' && issuer.protocol !== 'http:')) {
      throw new FedgateError('config_invalid', 'The console sign-in issuer must be an http(s) URL');
    }
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new FedgateError('config_invalid', 'The console sign-in timeout must be a positive number');
    }
    this.issuer = options.issuer;
    this.timeoutMs = options.timeoutMs;
    // Not the bare global: called as a method, some fetch implementations refuse a foreign `this`.
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * The console login URL for these credentials. Errors: invalid_request (a
   * destination off the partition's console), upstream_unavailable (network
   * failure, timeout, 5xx, an answer without a token), upstream_throttled
   * (429), sts_rejected (another 4xx: the endpoint refused the credentials or
   * a parameter).
   */
  async signinUrl(credentials: IssuedCredentials, target: ConsoleSigninTarget): Promise<string> {
    const endpoint = federationEndpoint(target.partition, target.signinUrl);
    const destination = allowedConsoleDestination(target.partition, target.destination);
    const sessionDuration = consoleSessionDuration(credentials.kind, target.sessionDurationSeconds);
    const token = await this.signinToken(endpoint, credentials, sessionDuration);
    return `${endpoint}?${queryString([
      ['Action', 'login'],
      ['Issuer', this.issuer],
      ['Destination', destination],
      ['SigninToken', token],
    ])}`;
  }

  private async signinToken(
    endpoint: string,
    credentials: IssuedCredentials,
    sessionDuration: number | undefined,
  ): Promise<string> {
    const session = JSON.stringify({
      sessionId: credentials.accessKeyId,
      sessionKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    });
    const query = queryString([
      ['Action', 'getSigninToken'],
      ...(sessionDuration === undefined ? [] : [['SessionDuration', String(sessionDuration)] as const]),
      ['Session', session],
    ]);
    const context = { endpoint, sessionDuration };
    let status: number;
    let body: string;
    let retryAfter: string | null = null;
    try {
      const response = await this.fetch(`${endpoint}?${query}`, {
        method: 'GET',
        headers: { accept: 'application/json' },
        // The request URL holds the credentials: never let a redirect carry the exchange elsewhere.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      body = await response.text();
    } catch (error) {
      // No cause: fetch's own errors can quote the URL ("Failed to parse URL from …").
      const failure = fetchFailure(error);
      const timedOut = failure.errorName === 'TimeoutError' || failure.errorName === 'AbortError';
      throw new FedgateError(
        'upstream_unavailable',
        timedOut
          ? `The console federation endpoint did not answer within ${this.timeoutMs} ms`
          : 'The console federation endpoint could not be reached',
        { phase: SIGNIN_TOKEN_PHASE, detail: { ...context, ...failure } },
      );
    }
    if (status >= 200 && status < 300) {
      return signinTokenFrom(body, { ...context, status });
    }
    const reason = operatorReason(body, [credentials.secretAccessKey, credentials.sessionToken]);
    const detail = { ...context, status, ...(reason === undefined ? {} : { reason }) };
    if (status === 429) {
      // The broker answers 503 with Retry-After: the endpoint's own, else a few seconds.
      const seconds = Number(retryAfter);
      const retryAfterSeconds =
        Number.isInteger(seconds) && seconds >= 1 ? Math.min(seconds, 3600) : DEFAULT_RETRY_AFTER_SECONDS;
      throw new FedgateError('upstream_throttled', 'The console federation endpoint is throttling requests', {
        phase: SIGNIN_TOKEN_PHASE,
        detail,
        retryAfterSeconds,
      });
    }
    if (status >= 400 && status < 500) {
      throw new FedgateError(
        'sts_rejected',
        `The console federation endpoint refused the sign-in (HTTP ${status})`,
        { phase: SIGNIN_TOKEN_PHASE, detail },
      );
    }
    throw new FedgateError(
      'upstream_unavailable',
      `The console federation endpoint failed (HTTP ${status})`,
      { phase: SIGNIN_TOKEN_PHASE, detail },
    );
  }
}

function signinTokenFrom(body: string, detail: Record<string, unknown>): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const token =
    typeof parsed === 'object' && parsed !== null
      ? (parsed as { SigninToken?: unknown }).SigninToken
      : undefined;
  // Printable ASCII: what AWS and sts-local issue, and safe to percent-encode.
  if (typeof token !== 'string' || !/^[\x21-\x7e]{1,8192}$/.test(token)) {
    throw new FedgateError(
      'upstream_unavailable',
      'The console federation endpoint answered without a sign-in token',
      { phase: SIGNIN_TOKEN_PHASE, detail },
    );
  }
  return token;
}
