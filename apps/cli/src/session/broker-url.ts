/** A broker URL the CLI refuses to use, with the reason. */
export class InvalidBrokerUrlError extends Error {
  constructor(
    readonly value: string,
    reason: string,
  ) {
    super(`the broker URL ${JSON.stringify(value)} ${reason}`);
    this.name = 'InvalidBrokerUrlError';
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * The one spelling of a broker URL that tokens are filed under: scheme, host,
 * port and path without a trailing slash, so `https://fedgate.example.com/`
 * and `https://FEDGATE.example.com` are the same broker. Plain http is allowed
 * only on loopback: tokens must not cross a network in clear text.
 */
export function normalizeBrokerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new InvalidBrokerUrlError(value, 'is not a URL (expected e.g. https://fedgate.example.com)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidBrokerUrlError(value, 'must start with https://');
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new InvalidBrokerUrlError(value, 'must use https:// (plain http is allowed on 127.0.0.1 only)');
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidBrokerUrlError(value, 'must not contain a user name or password');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new InvalidBrokerUrlError(value, 'must not have a query or fragment');
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** An endpoint of the broker, e.g. `endpoint(base, '/oauth/token')`. */
export function brokerEndpoint(brokerUrl: string, path: string): string {
  return `${brokerUrl}${path}`;
}
