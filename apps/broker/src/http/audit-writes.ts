import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { noStore } from './no-store';

/** A file or stdout audit stream: lines written in groups after record() returns (libs/audit). */
export interface AuditBatches {
  whenWritten(): Promise<void> | undefined;
  readonly failedWrites: number;
}

/** The stream's failedWrites when the request arrived. */
const FAILURES_AT_ARRIVAL = Symbol('fedgate.auditFailuresAtArrival');

interface RequestSeeingBatches extends FastifyRequest {
  [FAILURES_AT_ARRIVAL]?: number;
}

interface RequestAuditWrites {
  writes: Promise<void>[];
}

/**
 * Holds every answer until the audit lines its request recorded are kept.
 *
 * File and stdout streams write their lines in groups, once per turn of the
 * event loop (libs/audit/src/audit-stream.ts): an answer waits for the group
 * being gathered, which holds every line recorded before it, its request's
 * among them. No per-request bookkeeping is needed for that; only a group
 * lost while the request was under way must refuse it, which the count of
 * lost groups at its arrival tells.
 *
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

  /** For a file or stdout stream. */
  registerBatched(fastify: FastifyInstance, batches: AuditBatches): void {
    fastify.addHook('onRequest', (request: RequestSeeingBatches, _reply, done) => {
      request[FAILURES_AT_ARRIVAL] = batches.failedWrites;
      done();
    });
    // A callback hook: most answers find nothing waiting, and an async hook would cost each a promise.
    fastify.addHook('onSend', (request: RequestSeeingBatches, reply, payload, done) => {
      // A group lost while this request was under way may have held its line. A request refused
      // before its onRequest hooks ran (a malformed URL) recorded nothing and has no count.
      const arrival = request[FAILURES_AT_ARRIVAL];
      const answer = (): unknown =>
        arrival === undefined || batches.failedWrites === arrival ? payload : refuseUnaudited(reply);
      const waiting = batches.whenWritten();
      if (waiting === undefined) {
        done(null, answer());
        return;
      }
      waiting.then(
        () => {
          done(null, answer());
        },
        () => {
          done(null, refuseUnaudited(reply));
        },
      );
    });
  }

  /** For the Redis stream. */
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
