import { FedgateError } from '@fedgate/core';
import { githubFailure, jsonOf, send, unexpected, type GithubHttpOptions } from './github-http';

/** What the token exchange sends besides the client's credentials. */
export interface CodeExchange {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  code: string;
  redirectUri: string;
  codeVerifier: string;
}

const PHASE = 'github.token';

/**
 * Exchanges the authorization code for a user access token at
 * `{base}/login/oauth/access_token` (GitHub's "Authorizing OAuth apps",
 * with the PKCE verifier). GitHub answers a refused code with HTTP 200 and
 * `{"error": "bad_verification_code", …}`: that is `assertion_invalid`
 * with the error's code; an outage or a rate limit is `idp_unavailable`.
 * The token is returned to the caller only, never put in an error.
 */
export async function exchangeCode(exchange: CodeExchange, options: GithubHttpOptions): Promise<string> {
  const response = await send(
    exchange.tokenUrl,
    {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'fedgate',
      },
      body: new URLSearchParams({
        client_id: exchange.clientId,
        client_secret: exchange.clientSecret,
        code: exchange.code,
        redirect_uri: exchange.redirectUri,
        code_verifier: exchange.codeVerifier,
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
  return body.access_token;
}
