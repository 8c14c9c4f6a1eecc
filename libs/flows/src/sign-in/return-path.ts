/** Where the browser lands after sign-in when no (acceptable) return path was given. */
export const DEFAULT_RETURN_PATH = '/';

const MAX_RETURN_PATH_LENGTH = 2048;

/**
 * The return path to keep through a sign-in, or `/`. Only a relative path
 * on fedgate itself is kept (`/console/…?destination=…`): an absolute URL,
 * a scheme-relative `//host`, a backslash (which browsers treat as a
 * slash) or a control character would make sign-in an open redirect.
 */
export function safeReturnPath(requested: string | undefined): string {
  if (requested === undefined || requested.length > MAX_RETURN_PATH_LENGTH) {
    return DEFAULT_RETURN_PATH;
  }
  const acceptable =
    requested.startsWith('/') &&
    !requested.startsWith('//') &&
    !requested.includes('\\') &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u001f\u007f]/.test(requested);
  return acceptable ? requested : DEFAULT_RETURN_PATH;
}
