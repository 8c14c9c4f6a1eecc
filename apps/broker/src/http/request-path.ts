import type { FastifyRequest } from 'fastify';

/** The request's path without its query string (which can carry codes and tokens). */
export function requestPath(request: FastifyRequest): string {
  const url = request.url;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
