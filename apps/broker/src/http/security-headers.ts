import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';

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

/** Headers a Fastify answer carries of its own, not helmet's. */
const FASTIFY_OWN = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The headers helmet sets with these options, asked of helmet once, on a
 * throwaway Fastify instance. They are the same for every answer (no CSP
 * nonce is used), and @fastify/helmet would build a helmet middleware and
 * two promises per request to set them: about 4 % of a cached credential
 * request (docs/benchmarks.md).
 */
export async function securityHeaders(publicUrl: string): Promise<Readonly<Record<string, string>>> {
  const probe = Fastify({ logger: false });
  try {
    await probe.register(fastifyHelmet, securityHeaderOptions(publicUrl));
    probe.get('/', (_request, reply) => reply.send(''));
    const answer = await probe.inject({ method: 'GET', url: '/' });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (!FASTIFY_OWN.has(name) && value !== undefined) {
        headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
      }
    }
    // Every answer is private unless its route says otherwise (well-known documents and the
    // portal's static files set their own Cache-Control), so a route that forgets is not cached.
    headers['cache-control'] = 'no-store';
    return Object.freeze(headers);
  } finally {
    await probe.close();
  }
}

/** Sets the security headers on every answer, before any handler runs (a page may then set its own). */
export async function addSecurityHeaders(fastify: FastifyInstance, publicUrl: string): Promise<void> {
  const headers = await securityHeaders(publicUrl);
  fastify.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}
