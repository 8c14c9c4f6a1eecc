import { PARTITION_HOSTS } from '@fedgate/aws';

/** What the headers need to know of a backend: where its console sign-in goes. */
export interface ConsoleSigninTarget {
  partition: keyof typeof PARTITION_HOSTS;
  signinUrl?: string | undefined;
}

/**
 * Where the portal's forms may lead. The "Console" form posts to fedgate,
 * which answers with a redirect to the federation endpoint, which redirects
 * to the console; browsers check `form-action` along that whole chain, so
 * the federation and console hosts of every backend are listed.
 */
export function formActionSources(backends: readonly ConsoleSigninTarget[]): string[] {
  const sources = new Set<string>(["'self'"]);
  for (const backend of backends) {
    const hosts = PARTITION_HOSTS[backend.partition];
    sources.add(
      backend.signinUrl === undefined ? `https://${hosts.signin}` : new URL(backend.signinUrl).origin,
    );
    sources.add(`https://${hosts.console}`);
    sources.add(`https://*.${hosts.console}`);
  }
  return [...sources];
}

/**
 * The Content-Security-Policy of every portal page: scripts and styles from
 * fedgate's own files only (no inline script or style, so an injected tag
 * does nothing), images from fedgate and the origins of the connectors'
 * logos, no framing, no plugins, no <base>.
 */
export function portalContentSecurityPolicy(
  formActions: readonly string[],
  imageSources: readonly string[] = [],
): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${["'self'", ...imageSources].join(' ')}`,
    "connect-src 'none'",
    `form-action ${formActions.join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/**
 * The headers of every portal page. Pages carry the user's data and the
 * CSRF token, so none may be stored by any cache (nor shown again from the
 * back/forward cache after sign-out).
 */
export function portalPageHeaders(contentSecurityPolicy: string): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': contentSecurityPolicy,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // same-origin, not no-referrer: with no-referrer a form post's Origin header would be "null".
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

/** The origins of the connectors' logos (https:// URLs, validated by the config), for img-src. */
export function logoSources(logoUrls: readonly (string | undefined)[]): string[] {
  return [...new Set(logoUrls.filter((url) => url !== undefined).map((url) => new URL(url).origin))];
}
