import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * Resolves when an HTTP server answers at `url` (any status counts: STS
 * answers an unsigned GET with an error document), rejects on connection
 * failure or after `timeoutMs`. Used by /readyz.
 */
export function probeEndpoint(url: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      timeout: timeoutMs,
    });
    request.on('response', (response) => {
      response.resume();
      resolve();
    });
    request.on('timeout', () => {
      request.destroy(new Error(`no answer within ${timeoutMs} ms`));
    });
    request.on('error', reject);
    request.end();
  });
}
