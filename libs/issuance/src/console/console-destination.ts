import { FedgateError } from '@fedgate/core';
import { isConsoleHost, PARTITION_HOSTS, type Partition } from '@fedgate/aws';
import { consoleHome } from './partitions';

/** Longest destination accepted: console deep links (CloudWatch queries) run to a few KiB. */
export const MAX_CONSOLE_DESTINATION_LENGTH = 8192;

/**
 * Why a destination is refused, or undefined when it is an https URL on the
 * partition's console: the console host or a regional one, nothing but the
 * host in the authority (no user info, no port, no percent-encoding or case
 * games), no whitespace, control characters or backslashes anywhere.
 */
function destinationProblem(destination: string, partition: Partition): string | undefined {
  if (destination.length > MAX_CONSOLE_DESTINATION_LENGTH) {
    return 'too long';
  }
  if (/[\s\p{Cc}\p{Cf}\\]/u.test(destination)) {
    return 'whitespace, control or format characters, or backslashes';
  }
  const scheme = /^https:\/\//i.exec(destination);
  if (scheme === null) {
    return 'not https';
  }
  let url: URL;
  try {
    url = new URL(destination);
  } catch {
    return 'not a URL';
  }
  // The authority exactly as written: WHATWG parsing would quietly drop a default port, an
  // empty user info or decode %2E, and AWS's parser need not agree with it on any of those.
  const authority = /^[^/?#]*/.exec(destination.slice(scheme[0].length))?.[0] ?? '';
  if (authority.includes('@') || url.username !== '' || url.password !== '') {
    return 'user info';
  }
  if (authority.includes(':') || url.port !== '') {
    return 'port';
  }
  if (authority.toLowerCase() !== url.hostname || !isConsoleHost(url.hostname, partition)) {
    return 'not a console host';
  }
  return undefined;
}

/**
 * The destination a console URL may go to: the request's, else the
 * permission set's `consoleDestination`, else the partition's console home.
 * The chosen one must be `https://` on the partition's console host or a
 * regional one (`eu-west-1.console.aws.amazon.com`); it is returned in
 * WHATWG-normalized form. Anything else is `invalid_request`, never a
 * silent fallback to another destination.
 */
export function allowedConsoleDestination(
  partition: Partition,
  requested?: string,
  fallback?: string,
): string {
  const source = requested !== undefined ? 'request' : fallback !== undefined ? 'permission set' : undefined;
  const destination = requested ?? fallback;
  if (destination === undefined) {
    return consoleHome(partition);
  }
  const problem = destinationProblem(destination, partition);
  if (problem !== undefined) {
    const host = PARTITION_HOSTS[partition].console;
    throw new FedgateError(
      'invalid_request',
      `The console destination must be an https:// URL on the ${partition} console ` +
        `(${host} or a regional host such as REGION.${host}), without user info or a port`,
      { phase: 'console.destination', detail: { partition, source, problem } },
    );
  }
  return new URL(destination).href;
}
