import { FedgateError } from '@fedgate/core';

/** The steps of a GitHub sign-in, as `FedgateError.phase` names them. */
export type GithubPhase =
  'github.state' | 'github.token' | 'github.user' | 'github.emails' | 'github.orgs' | 'github.teams';

/** How fedgate talks to one GitHub: which connector (for errors) and how long it waits. */
export interface GithubHttpOptions {
  connectorId: string;
  timeoutMs: number;
  now: () => Date;
}

/** When GitHub does not say how long to wait (a secondary rate limit), it asks for at least a minute. */
const SECONDARY_LIMIT_WAIT_SECONDS = 60;
/** At most this many pages of one list (100 items each): a longer list is refused, never cut short. */
const MAX_PAGES = 50;
const API_HEADERS = {
  accept: 'application/vnd.github+json',
  'x-github-api-version': '2022-11-28',
  // GitHub refuses API requests without a User-Agent.
  'user-agent': 'fedgate',
};

/**
 * Sends one request to GitHub with the connector's timeout. A network
 * failure or a timeout is `idp_unavailable`, never a refusal. The error
 * keeps the failure's name and message only: the request (with its
 * credentials) is never attached.
 */
export async function send(
  url: string,
  init: RequestInit,
  phase: GithubPhase,
  options: GithubHttpOptions,
): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    // Not `instanceof Error`: the timeout is a DOMException, of another realm under test runners.
    const name = (error as { name?: unknown } | null)?.name;
    const failure = { name: typeof name === 'string' ? name : 'unknown' };
    const timedOut = failure.name === 'TimeoutError' || failure.name === 'AbortError';
    throw new FedgateError('idp_unavailable', 'GitHub could not be reached; try again later', {
      phase,
      detail: {
        connector: options.connectorId,
        check: timedOut ? 'timeout' : 'reachable',
        reason: failure.name,
        host: new URL(url).host,
      },
    });
  }
}

/**
 * Turns a GitHub answer that is not a success into the error it means
 * (GitHub's REST API documentation, "Rate limits" and "Troubleshooting"):
 * a rate limit (403 or 429 with `x-ratelimit-remaining: 0`, or a
 * `retry-after`, or a secondary limit) and a 5xx are `idp_unavailable`, with
 * `retryAfterSeconds` from `retry-after` or `x-ratelimit-reset`; anything
 * else is GitHub refusing this user or this token (`assertion_invalid`).
 * Only GitHub's short `message` is kept for operators.
 */
export async function githubFailure(
  response: Response,
  phase: GithubPhase,
  options: GithubHttpOptions,
): Promise<FedgateError> {
  const message = await githubMessage(response);
  const detail = { connector: options.connectorId, status: response.status, ...message };
  const limited = rateLimitWait(response, message.githubMessage, options.now);
  if (limited !== undefined) {
    return new FedgateError('idp_unavailable', 'GitHub is limiting requests from fedgate; try again later', {
      phase,
      retryAfterSeconds: limited,
      detail: { ...detail, check: 'rate-limit' },
    });
  }
  if (response.status >= 500) {
    return new FedgateError('idp_unavailable', 'GitHub could not answer; try again later', {
      phase,
      detail: { ...detail, check: 'status' },
    });
  }
  const check =
    response.status === 401
      ? 'unauthorized'
      : response.status === 403
        ? 'forbidden'
        : response.status === 404
          ? 'not-found'
          : 'status';
  return new FedgateError('assertion_invalid', `GitHub refused to tell fedgate ${whatOf(phase)}`, {
    phase,
    detail: { ...detail, check },
  });
}

/** Reads one JSON answer of the REST API with the access token, or throws what its failure means. */
export async function getJson(
  url: string,
  accessToken: string,
  phase: GithubPhase,
  options: GithubHttpOptions,
): Promise<{ body: unknown; next: string | undefined }> {
  const response = await send(
    url,
    { method: 'GET', headers: { ...API_HEADERS, authorization: `Bearer ${accessToken}` } },
    phase,
    options,
  );
  if (!response.ok) {
    throw await githubFailure(response, phase, options);
  }
  return { body: await jsonOf(response, phase, options), next: nextPage(response.headers.get('link')) };
}

/**
 * Every item of a paginated list (`per_page=100`, then `Link: <…>;
 * rel="next"`). A next page elsewhere than the API itself is refused (the
 * access token goes only to GitHub's API); a list longer than MAX_PAGES
 * pages is refused rather than cut short, since a missing group could
 * skip a deny rule.
 */
export async function getAllPages(
  api: string,
  path: string,
  accessToken: string,
  phase: GithubPhase,
  options: GithubHttpOptions,
): Promise<unknown[]> {
  const items: unknown[] = [];
  let url: string | undefined = `${api}${path}?per_page=100`;
  for (let page = 1; url !== undefined; page += 1) {
    if (page > MAX_PAGES) {
      throw new FedgateError('assertion_invalid', `GitHub listed too many ${whatOf(phase)}`, {
        phase,
        detail: { connector: options.connectorId, check: 'pagination', pages: MAX_PAGES },
      });
    }
    const { body, next }: { body: unknown; next: string | undefined } = await getJson(
      url,
      accessToken,
      phase,
      options,
    );
    if (!Array.isArray(body)) {
      throw unexpected(phase, options, 'not a list');
    }
    items.push(...(body as unknown[]));
    if (next !== undefined && !isWithin(next, api)) {
      throw unexpected(phase, options, 'a next page outside the API');
    }
    url = next;
  }
  return items;
}

/** Parses a JSON body, or throws `idp_unavailable` (GitHub answered something else). */
export async function jsonOf(
  response: Response,
  phase: GithubPhase,
  options: GithubHttpOptions,
): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    throw unexpected(phase, options, 'not JSON');
  }
}

/** GitHub answered, but not with what its documentation promises. */
export function unexpected(phase: GithubPhase, options: GithubHttpOptions, reason: string): FedgateError {
  return new FedgateError('idp_unavailable', 'GitHub gave an unexpected answer; try again later', {
    phase,
    detail: { connector: options.connectorId, check: 'response', reason },
  });
}

/** The `rel="next"` target of a Link header (RFC 8288), as GitHub paginates. */
export function nextPage(link: string | null): string | undefined {
  if (link === null) {
    return undefined;
  }
  for (const part of link.split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match?.[2] !== undefined && /(^|;)\s*rel="?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/.test(match[2])) {
      return match[1];
    }
  }
  return undefined;
}

/** Seconds to wait when the answer is a rate limit, else undefined. */
export function rateLimitWait(
  response: Pick<Response, 'status' | 'headers'>,
  githubMessage: string | undefined,
  now: () => Date,
): number | undefined {
  if (response.status !== 403 && response.status !== 429) {
    return undefined;
  }
  const retryAfter = response.headers.get('retry-after');
  if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) {
    return Math.max(1, Number(retryAfter.trim()));
  }
  if (response.headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    const wait = Number.isFinite(reset) ? Math.ceil(reset - now().getTime() / 1000) : NaN;
    return Number.isFinite(wait) && wait > 0 ? Math.min(wait, 3600) : SECONDARY_LIMIT_WAIT_SECONDS;
  }
  if (response.status === 429 || /rate limit/i.test(githubMessage ?? '')) {
    return SECONDARY_LIMIT_WAIT_SECONDS;
  }
  return undefined;
}

async function githubMessage(response: Response): Promise<{ githubMessage?: string }> {
  try {
    const body = (await response.json()) as { message?: unknown };
    return typeof body.message === 'string'
      ? { githubMessage: body.message.replace(/[^\x20-\x7e]/g, '').slice(0, 200) }
      : {};
  } catch {
    return {};
  }
}

function isWithin(next: string, api: string): boolean {
  if (!URL.canParse(next)) {
    return false;
  }
  const target = new URL(next);
  const root = new URL(`${api}/`);
  return target.origin === root.origin && target.pathname.startsWith(root.pathname);
}

function whatOf(phase: GithubPhase): string {
  switch (phase) {
    case 'github.state':
    case 'github.token':
      return 'who you are';
    case 'github.user':
      return 'your profile';
    case 'github.emails':
      return 'your email addresses';
    case 'github.orgs':
      return 'your organizations';
    case 'github.teams':
      return 'your teams';
  }
}
