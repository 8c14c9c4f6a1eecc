import type { FastifyReply, FastifyRequest } from 'fastify';

/** A cookie's attributes. `maxAgeSeconds` makes it persistent (Max-Age and Expires); without it, it ends with the browser. */
export interface CookieAttributes {
  httpOnly: boolean;
  secure: boolean;
  sameSite?: 'lax' | 'none' | 'strict';
  path: '/';
  maxAgeSeconds?: number;
}

/** Sets a cookie (`@fastify/cookie` writes it as the response goes out). */
export function setCookie(
  reply: FastifyReply,
  name: string,
  value: string,
  attributes: CookieAttributes,
): void {
  const { maxAgeSeconds, ...rest } = attributes;
  reply.setCookie(
    name,
    value,
    maxAgeSeconds === undefined
      ? rest
      : // Both, as browsers that predate Max-Age read only Expires.
        { ...rest, maxAge: maxAgeSeconds, expires: new Date(Date.now() + maxAgeSeconds * 1000) },
  );
}

/** Ends a cookie: empty, expired in 1970, with the attributes it was set with. */
export function clearCookie(reply: FastifyReply, name: string, attributes: CookieAttributes): void {
  const { maxAgeSeconds: _ignored, ...rest } = attributes;
  reply.setCookie(name, '', { ...rest, expires: new Date(1) });
}

/** The value of a cookie the request carries, if it is a string. */
export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  const value = (request.cookies as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}
