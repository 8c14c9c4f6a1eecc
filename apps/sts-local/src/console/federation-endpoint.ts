import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AWS_LIMITS } from '@fedgate/aws';
import type { Logger } from '@fedgate/logging';
import type { Caller } from '../sts/caller';
import type { CredentialStore } from '../sts/credential-store';
import { isAllowedDestination } from './console-destination';
import { renderConsolePage } from './console-page';

/** A sign-in token is valid for 15 minutes (docs/issuance.md#console-sign-in). */
export const SIGNIN_TOKEN_TTL_MS = 15 * 60 * 1000;

interface SigninGrant {
  caller: Caller;
  consoleExpiresAt: number;
  tokenExpiresAt: number;
}

function equalText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  });
  response.end(`${text}\n`);
}

/** A client error of the federation endpoint, answered as plain text with status 400. */
class FederationError extends Error {}

/**
 * The console federation endpoint (docs/issuance.md#console-sign-in): `Action=getSigninToken`
 * turns temporary credentials that sts-local issued into a sign-in token
 * (15 minutes; SessionDuration 900–43200 only for AssumeRole credentials),
 * and `Action=login` checks the token and the Destination, then shows the
 * demo console page. Query strings hold secrets here: they are never logged.
 */
export class FederationEndpoint {
  private readonly grants = new Map<string, SigninGrant>();

  constructor(
    private readonly store: CredentialStore,
    private readonly partition: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://sts-local');
    const action = url.searchParams.get('Action');
    try {
      if (request.method !== 'GET') {
        throw new FederationError('the federation endpoint answers GET requests');
      }
      if (action === 'getSigninToken') {
        const token = this.signinToken(url.searchParams);
        response.writeHead(200, {
          'content-type': 'application/json',
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
        });
        response.end(JSON.stringify({ SigninToken: token }));
      } else if (action === 'login') {
        const page = this.login(url.searchParams);
        response.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
          'x-content-type-options': 'nosniff',
        });
        response.end(page);
      } else {
        throw new FederationError('Action must be getSigninToken or login');
      }
      this.logger.info({ path: '/federation', action, status: 200 }, 'federation request');
    } catch (error) {
      if (!(error instanceof FederationError)) {
        throw error;
      }
      this.logger.info(
        { path: '/federation', action, status: 400, reason: error.message },
        'federation request refused',
      );
      sendText(response, 400, error.message);
    }
  }

  private signinToken(query: URLSearchParams): string {
    let session: unknown;
    try {
      session = JSON.parse(query.get('Session') ?? '');
    } catch {
      throw new FederationError('Session must be a JSON object with sessionId, sessionKey and sessionToken');
    }
    const { sessionId, sessionKey, sessionToken } = (session ?? {}) as Record<string, unknown>;
    if (typeof sessionId !== 'string' || typeof sessionKey !== 'string' || typeof sessionToken !== 'string') {
      throw new FederationError('Session must be a JSON object with sessionId, sessionKey and sessionToken');
    }
    const known = this.store.lookup(sessionId);
    const now = this.now();
    if (
      known?.sessionToken === undefined ||
      !equalText(known.secretAccessKey, sessionKey) ||
      !equalText(known.sessionToken, sessionToken)
    ) {
      throw new FederationError('The session credentials are invalid');
    }
    const expiresAt = known.caller.expiresAt ?? now;
    if (expiresAt <= now) {
      throw new FederationError('The session credentials have expired');
    }
    if (known.caller.issuedBy === 'GetSessionToken') {
      throw new FederationError('Credentials from GetSessionToken cannot sign in to the console');
    }
    const durationText = query.get('SessionDuration');
    let consoleExpiresAt = expiresAt;
    if (durationText !== null) {
      if (known.caller.issuedBy === 'GetFederationToken') {
        throw new FederationError('SessionDuration cannot be used with GetFederationToken credentials');
      }
      const seconds = /^\d+$/.test(durationText) ? Number(durationText) : Number.NaN;
      const { minSeconds, maxSeconds } = AWS_LIMITS.consoleSession;
      if (!(seconds >= minSeconds && seconds <= maxSeconds)) {
        throw new FederationError(`SessionDuration must be between ${minSeconds} and ${maxSeconds} seconds`);
      }
      consoleExpiresAt = now + seconds * 1000;
    }
    this.prune(now);
    const token = randomBytes(48).toString('base64url');
    this.grants.set(token, {
      caller: known.caller,
      consoleExpiresAt,
      tokenExpiresAt: now + SIGNIN_TOKEN_TTL_MS,
    });
    return token;
  }

  private login(query: URLSearchParams): string {
    const grant = this.grants.get(query.get('SigninToken') ?? '');
    if (grant === undefined || grant.tokenExpiresAt <= this.now()) {
      throw new FederationError('The sign-in token is invalid or has expired');
    }
    const destination = query.get('Destination') ?? '';
    if (!isAllowedDestination(destination, this.partition)) {
      throw new FederationError(`Destination must be an https URL on the ${this.partition} console`);
    }
    const issuer = query.get('Issuer');
    return renderConsolePage({
      caller: grant.caller,
      destination,
      consoleExpiresAt: grant.consoleExpiresAt,
      ...(issuer === null ? {} : { issuer }),
    });
  }

  private prune(now: number): void {
    for (const [token, grant] of this.grants) {
      if (grant.tokenExpiresAt <= now) {
        this.grants.delete(token);
      }
    }
  }
}
