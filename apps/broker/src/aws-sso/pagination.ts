import { AwsSsoError } from './aws-sso-errors';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 100;

/** One query parameter, given at most once; undefined when absent or empty. */
export function queryParam(query: unknown, name: string): string | undefined {
  if (typeof query !== 'object' || query === null) {
    return undefined;
  }
  const value = (query as Record<string, unknown>)[name];
  if (value === undefined || value === '') {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new AwsSsoError('InvalidRequestException', 400, `${name} was given more than once`);
  }
  return value;
}

/**
 * One page of a list, AWS style: `max_result` items from the position
 * `next_token` names. The token is only a position in a list computed anew
 * from the user's entitlements on every call, so it grants nothing.
 */
export function page<Item>(all: readonly Item[], query: unknown): { items: Item[]; nextToken?: string } {
  const maxText = queryParam(query, 'max_result');
  const size = maxText === undefined ? DEFAULT_PAGE : Number(maxText);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
    throw new AwsSsoError(
      'InvalidRequestException',
      400,
      `max_result must be a whole number from 1 to ${MAX_PAGE}`,
    );
  }
  const tokenText = queryParam(query, 'next_token');
  let start = 0;
  if (tokenText !== undefined) {
    const decoded = /^[A-Za-z0-9_-]{1,16}$/.test(tokenText)
      ? Buffer.from(tokenText, 'base64url').toString('utf8')
      : '';
    const match = /^p(\d{1,6})$/.exec(decoded);
    start = match?.[1] === undefined ? -1 : Number(match[1]);
    if (start < 1 || start >= all.length) {
      throw new AwsSsoError('InvalidRequestException', 400, 'next_token is not one this list gave out');
    }
  }
  const end = start + size;
  return {
    items: all.slice(start, end),
    ...(end < all.length ? { nextToken: Buffer.from(`p${end}`, 'utf8').toString('base64url') } : {}),
  };
}
