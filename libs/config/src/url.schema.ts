import { z } from 'zod';

/** An absolute http(s) URL: z.url() alone accepts any scheme (javascript:, file:, ftp:), so the protocol is pinned. */
export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });

/**
 * An http(s) URL without user info, query or fragment, for URLs fedgate
 * appends paths or a query to. `what` ends the message: `it is WHAT`.
 */
export function bareHttpUrl(what: string) {
  return httpUrl.refine(
    (text) => {
      const url = new URL(text);
      return url.username === '' && url.password === '' && !text.includes('?') && !text.includes('#');
    },
    { message: `must have no user info, query or fragment: it is ${what}` },
  );
}
