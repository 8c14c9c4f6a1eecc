import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * Security headers on every response (helmet): nosniff, no framing, no
 * referrer, cross-origin isolation of the broker's answers, and HSTS when
 * the broker is reached over https. The Content-Security-Policy is left to
 * each page, which sets its own (the portal's is the strictest); JSON
 * answers run no script.
 */
export function securityHeaderOptions(publicUrl: string): FastifyHelmetOptions {
  return {
    global: true,
    contentSecurityPolicy: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: publicUrl.startsWith('https:')
      ? { maxAge: 31_536_000, includeSubDomains: true }
      : false,
  };
}
