import { FedgateError } from '@fedgate/core';
import { PARTITION_HOSTS, type Partition } from '@fedgate/aws';

/**
 * How fedgate reaches a partition's console: its home page and its
 * federation endpoint. The hosts themselves are AWS's (@fedgate/aws).
 */

/** The partition's console home page, the destination when neither the request nor the permission set names one. */
export function consoleHome(partition: Partition): string {
  return `https://${PARTITION_HOSTS[partition].console}/`;
}

/**
 * The console federation endpoint of a backend: its configured `signinUrl`
 * (sts-local's `http://HOST:PORT/federation` in tests), else the
 * partition's `https://signin…/federation`. The result never has a query,
 * fragment or user info, so `?Action=…` can be appended to it; a
 * `signinUrl` with any of them is a configuration error.
 */
export function federationEndpoint(partition: Partition, signinUrl?: string): string {
  if (signinUrl === undefined) {
    return `https://${PARTITION_HOSTS[partition].signin}/federation`;
  }
  let url: URL;
  try {
    url = new URL(signinUrl);
  } catch {
    throw new FedgateError('config_invalid', 'The backend signinUrl is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new FedgateError('config_invalid', 'The backend signinUrl must be an http(s) URL');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new FedgateError(
      'config_invalid',
      'The backend signinUrl must not carry user info, a query or a fragment (fedgate adds the query)',
    );
  }
  // Not url.href: a bare `?` or `#` survives in it and would break the appended query.
  return `${url.origin}${url.pathname}`;
}
