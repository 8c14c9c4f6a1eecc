import { FedgateError } from '@fedgate/core';
import { githubFailure, jsonOf, send, unexpected, type GithubHttpOptions } from './github-http';

/** The client's credentials and where GitHub's token endpoint is. */
export interface GithubClient {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

/** What the code exchange sends besides the client's credentials. */
export interface CodeExchange extends GithubClient {
  code: string;
  redirectUri: string;
  codeVerifier: string;
}

/**
 * A user access token, and the refresh token GitHub gives with it when the
 * token expires (a GitHub App with "Expire user authorization tokens", the
 * default); an OAuth App's tokens never expire and come without one.
 */
export interface GithubTokens {
  accessToken: string;
  refreshToken?: string;
}

const PHASE = 'github.token';

/**
 * Exchanges the authorization code for a user access token at
 * `{base}/login/oauth/access_token` (GitHub's "Authorizing OAuth apps",
 * with the PKCE verifier). GitHub answers a refused code with HTTP 200 and
 * `{"error": "bad_verification_code", …}`: that is `assertion_invalid`
 * with the error's code; an outage or a rate limit is `idp_unavailable`.
 * The tokens are returned to the caller only, never put in an error.
 */
export function exchangeCode(exchange: CodeExchange, options: GithubHttpOptions): Promise<GithubTokens> {
  return requestTokens(
    exchange,
    {
      code: exchange.code,
      redirect_uri: exchange.redirectUri,
      code_verifier: exchange.codeVerifier,
    },
    options,
  );
}

/**
 * Trades a refresh token for new tokens (GitHub's "Refreshing user access
 * tokens"): GitHub rotates the refresh token, so the old one is spent. A
 * refresh token GitHub no longer accepts (the user revoked the app, it
 * expired, it was used) is `bad_refresh_token`, refused like a code.
 */
export function refreshTokens(
  client: GithubClient,
  refreshToken: string,
  options: GithubHttpOptions,
): Promise<GithubTokens> {
  return requestTokens(client, { grant_type: 'refresh_token', refresh_token: refreshToken }, options);
}

async function requestTokens(
  client: GithubClient,
  grant: Record<string, string>,
  options: GithubHttpOptions,
): Promise<GithubTokens> {
  const response = await send(
    client.tokenUrl,
    {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'fedgate',
      },
      body: new URLSearchParams({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        ...grant,
      }).toString(),
    },
    PHASE,
    options,
  );
  if (!response.ok) {
    throw await githubFailure(response, PHASE, options);
  }
  const body = (await jsonOf(response, PHASE, options)) as Record<string, unknown> | null;
  if (typeof body !== 'object' || body === null) {
    throw unexpected(PHASE, options, 'not an object');
  }
  if (typeof body.error === 'string') {
    const error = body.error.replace(/[^\w.-]/g, '').slice(0, 64);
    throw new FedgateError('assertion_invalid', `GitHub did not accept the sign-in (${error})`, {
      phase: PHASE,
      detail: { connector: options.connectorId, check: 'provider-error', error },
    });
  }
  const tokenType = typeof body.token_type === 'string' ? body.token_type.toLowerCase() : undefined;
  if (typeof body.access_token !== 'string' || body.access_token === '' || tokenType !== 'bearer') {
    throw unexpected(PHASE, options, 'no bearer access_token');
  }
  return {
    accessToken: body.access_token,
    ...(typeof body.refresh_token === 'string' && body.refresh_token !== ''
      ? { refreshToken: body.refresh_token }
      : {}),
  };
}
