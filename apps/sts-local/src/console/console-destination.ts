import { isConsoleHost, isPartition } from '@fedgate/aws';

/**
 * Whether a login Destination stays on the partition's console: https, the
 * console host or one of its single-label subdomains (regional
 * `us-east-1.console…` or service `s3.console…`, as AWS serves them), no
 * credentials in the URL, default port. The same host rule as the broker's
 * allow-list, so a destination fedgate accepts is one sts-local accepts.
 */
export function isAllowedDestination(destination: string, partition: string): boolean {
  let url: URL;
  try {
    url = new URL(destination);
  } catch {
    return false;
  }
  return (
    isPartition(partition) &&
    url.protocol === 'https:' &&
    url.username === '' &&
    url.password === '' &&
    url.port === '' &&
    isConsoleHost(url.hostname, partition)
  );
}
