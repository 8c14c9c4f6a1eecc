import type { Response } from 'express';

/** Responses that carry credentials or sign-in URLs must not be kept by any cache. */
export function noStore(response: Response): void {
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Pragma', 'no-cache');
}
