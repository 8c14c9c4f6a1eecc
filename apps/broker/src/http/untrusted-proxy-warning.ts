import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@fedgate/logging';
import { isPrivateAddress } from '@fedgate/throttling';

/**
 * Warns once when requests come through a reverse proxy that
 * `server.trustProxy` does not cover: a private or loopback peer sending
 * X-Forwarded-For that Express ignored. Every client behind that proxy
 * then has the proxy's address, so they all share one login-throttle
 * counter (docs/configuration.md, `server.trustProxy`).
 */
export function untrustedProxyWarning(logger: Logger) {
  let warned = false;
  return (request: Request, _response: Response, next: NextFunction): void => {
    if (!warned) {
      const peer = request.socket.remoteAddress ?? '';
      if (request.headers['x-forwarded-for'] !== undefined && request.ip === peer && isPrivateAddress(peer)) {
        warned = true;
        logger.warn(
          { proxyAddress: peer },
          'requests arrive through a proxy that server.trustProxy does not trust: every client behind it shares one client address for the login throttle; add the proxy to server.trustProxy',
        );
      }
    }
    next();
  };
}
