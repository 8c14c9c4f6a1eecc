import { OAuthError } from './oauth-error';

/**
 * RFC 8252 section 7.3: a native app receives the code on a loopback
 * address at a port it picks when it starts, so any port is allowed and
 * everything else must match exactly. Only the IP literals are accepted:
 * `localhost` may resolve elsewhere (hosts file, DNS) or to the other IP
 * family, where another program could listen (RFC 8252 section 8.3).
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * The redirect URI when it is `http://127.0.0.1:{port}{path}` or
 * `http://[::1]:{port}{path}` with one of the client's registered paths;
 * otherwise an OAuthError (and, per RFC 6749 section 4.1.2.1, the broker
 * must not redirect to it).
 */
export function checkLoopbackRedirect(
  redirectUri: string | undefined,
  allowedPaths: readonly string[],
): string {
  if (redirectUri === undefined || redirectUri === '') {
    throw new OAuthError('invalid_request', 'redirect_uri is required');
  }
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw new OAuthError('invalid_request', 'redirect_uri is not a URL');
  }
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new OAuthError(
      'invalid_request',
      'redirect_uri must be http://127.0.0.1:{port}/… or http://[::1]:{port}/…',
    );
  }
  if (url.port === '') {
    throw new OAuthError('invalid_request', 'redirect_uri must name the port the client listens on');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new OAuthError('invalid_request', 'redirect_uri must not carry credentials, a query or a fragment');
  }
  // Only the canonical spelling: `/a/../callback` or `:08080` would match after normalizing.
  if (url.href !== redirectUri || !allowedPaths.includes(url.pathname)) {
    throw new OAuthError('invalid_request', 'redirect_uri is not registered for this client');
  }
  return redirectUri;
}
