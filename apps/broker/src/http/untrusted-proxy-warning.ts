import type { FastifyInstance } from 'fastify';
import type { Logger } from '@fedgate/logging';
import { isPrivateAddress } from '@fedgate/throttling';

/**
 * Warns once when requests come through a reverse proxy that
 * `server.trustProxy` does not cover: a private or loopback peer sending
 * X-Forwarded-For that was ignored. Every client behind that proxy
 * then has the proxy's address, so they all share one login-throttle
 * counter (docs/configuration.md, `server.trustProxy`).
 */
export function untrustedProxyWarning(fastify: FastifyInstance, logger: Logger): void {
  let warned = false;
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (!warned && request.headers['x-forwarded-for'] !== undefined) {
      const peer = request.socket.remoteAddress ?? '';
      if (request.ip === peer && isPrivateAddress(peer)) {
        warned = true;
        logger.warn(
          { proxyAddress: peer },
          'requests arrive through a proxy that server.trustProxy does not trust: every client behind it shares one client address for the login throttle; add the proxy to server.trustProxy',
        );
      }
    }
    done();
  });
}
