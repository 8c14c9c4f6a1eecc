import type { FastifyReply } from 'fastify';

/** Responses that carry credentials or sign-in URLs must not be kept by any cache. */
export function noStore(reply: FastifyReply): void {
  reply.header('Cache-Control', 'no-store');
  reply.header('Pragma', 'no-cache');
}
