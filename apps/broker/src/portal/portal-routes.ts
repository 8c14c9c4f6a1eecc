/**
 * The portal's routes that take an HTML form (application/x-www-form-urlencoded):
 * the password sign-in form, and the forms of the signed-in pages (which carry
 * the CSRF token as a field). The request-body interceptor lets forms through
 * only on these and the routes docs/http-api.md lists.
 */
export const PORTAL_FORM_ROUTES: readonly RegExp[] = [
  /^\/sign-in\/[^/]+\/?$/i,
  /^\/sign-out\/?$/i,
  /^\/console\/[^/]+\/[^/]+\/?$/i,
  /^\/accounts\/[^/]+\/[^/]+\/credentials\/?$/i,
];

/**
 * Whether a refused request should be sent to the sign-in page instead of
 * answered `401` JSON: a browser (it asks for HTML) navigating (GET) to a
 * page that needs a session, such as a deep link to /console/… .
 */
export function wantsSignInPage(method: string, accept: string | undefined): boolean {
  return (method === 'GET' || method === 'HEAD') && (accept ?? '').includes('text/html');
}

/** Where to send that browser: the sign-in page, keeping where it was going (a relative path only). */
export function signInLocation(requestedUrl: string): string {
  return requestedUrl.startsWith('/') && !requestedUrl.startsWith('//')
    ? `/?return_to=${encodeURIComponent(requestedUrl)}`
    : '/';
}
