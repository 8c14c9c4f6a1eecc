import type { FastifyRequest } from 'fastify';
import { FedgateError } from '@fedgate/core';

/**
 * Rejects a state-changing request whose Origin header names another site.
 * Browsers send Origin on cross-site POSTs; requests without it (curl, the
 * CLI) are left to the CSRF token check.
 */
export function assertSameOrigin(request: FastifyRequest, publicUrl: string): void {
  const origin = request.headers.origin;
  if (origin === undefined) {
    return;
  }
  if (origin !== new URL(publicUrl).origin) {
    throw new FedgateError('csrf_rejected', 'Cross-site request refused', { detail: { origin } });
  }
}
