import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { noStore } from './no-store';

interface RequestAuditWrites {
  writes: Promise<void>[];
}

/**
 * Holds every answer until the audit lines its request recorded are kept.
 * The Redis audit stream writes after record() returns; this ties each
 * write to the request that caused it (AsyncLocalStorage, entered when the
 * request arrives) and, before the answer leaves, waits for them. When one
 * failed, the answer becomes 503 `store_unavailable` without its body,
 * Location or cookies: no credentials, console URL or session leave
 * unaudited, as with a file that cannot be written (docs/operations.md#audit).
 */
export class AuditWrites {
  private readonly current = new AsyncLocalStorage<RequestAuditWrites>();

  /** For the audit stream's onWrite hook: the write joins the current request's, if any. */
  readonly track = (written: Promise<void>): void => {
    this.current.getStore()?.writes.push(written);
  };

  register(fastify: FastifyInstance): void {
    const byRequest = new WeakMap<object, RequestAuditWrites>();
    fastify.addHook('onRequest', (request, _reply, done) => {
      const context: RequestAuditWrites = { writes: [] };
      byRequest.set(request, context);
      this.current.run(context, done);
    });
    fastify.addHook('onSend', async (request, reply, payload) => {
      const context = byRequest.get(request);
      if (context === undefined || context.writes.length === 0) {
        return payload;
      }
      try {
        await Promise.all(context.writes);
        return payload;
      } catch {
        return refuseUnaudited(reply);
      }
    });
  }
}

function refuseUnaudited(reply: FastifyReply): string {
  reply.removeHeader('location');
  reply.removeHeader('set-cookie');
  reply.removeHeader('content-length');
  noStore(reply);
  void reply.code(503).header('content-type', 'application/json; charset=utf-8');
  return JSON.stringify({
    error: 'store_unavailable',
    message: 'The audit stream cannot be written, so nothing was handed out; try again later',
  });
}
