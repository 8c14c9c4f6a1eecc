/**
 * Bodies some routes take are small by nature: a username and password, a
 * CSRF token, an account and a permission set, a console destination. They
 * are held to SMALL_BODY_BYTES, so a client cannot make the broker read and
 * parse `server.maxBodyBytes` where a few hundred bytes are all it needs.
 * Routes that take large bodies (a SAML response at the callback, a token at
 * /oauth/token, an identity for admin/explain) keep `server.maxBodyBytes`.
 * The list is in docs/http-api.md#request-bodies.
 */
export const SMALL_BODY_BYTES = 8 * 1024;

export const SMALL_BODY_ROUTES: readonly RegExp[] = [
  /^\/auth\/[^/]+\/login\/?$/i,
  /^\/auth\/logout\/?$/i,
  /^\/sign-in\/[^/]+\/?$/i,
  /^\/sign-out\/?$/i,
  /^\/api\/v1\/(credentials|console)\/?$/i,
  /^\/api\/v1\/admin\/reload\/?$/i,
  /^\/console\/[^/]+\/[^/]+\/?$/i,
  /^\/accounts\/[^/]+\/[^/]+\/credentials\/?$/i,
  /^\/oauth\/(authorize|device|device_authorization|revoke)\/?$/i,
];

/** The largest body a request to `path` may send: the route's own cap, never above the configured one. */
export function bodyLimitFor(path: string, maxBodyBytes: number): number {
  return SMALL_BODY_ROUTES.some((route) => route.test(path))
    ? Math.min(SMALL_BODY_BYTES, maxBodyBytes)
    : maxBodyBytes;
}
