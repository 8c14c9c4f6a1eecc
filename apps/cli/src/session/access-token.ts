import { normalizeBrokerUrl } from './broker-url';
import {
  BrokerUnavailableError,
  CLI_CLIENT_ID,
  isTokenResponse,
  postForm,
  REQUEST_TIMEOUT_MS,
} from './oauth-client';
import { type Environment, type StoredTokens, TokenStore, withoutBroker } from './token-store';

/** There is no usable login for the broker; the message says what to run. */
export class LoginRequiredError extends Error {
  constructor(
    readonly brokerUrl: string | undefined,
    reason: string,
  ) {
    super(`${reason}: run fedgate login --url ${brokerUrl ?? '<url>'}`);
    this.name = 'LoginRequiredError';
  }
}

export interface AccessTokenOptions {
  /** Where XDG_CONFIG_HOME, HOME and FEDGATE_URL come from; process.env by default. */
  env?: Environment;
  /** Per-request timeout. */
  timeoutMs?: number;
  now?: () => Date;
}

/** An access token this close to expiry is refreshed first, so it does not expire in flight. */
const EXPIRY_MARGIN_MS = 60_000;

/** The broker to talk to: the one asked for, else FEDGATE_URL, else the one `fedgate login --url` remembered. */
export async function resolveBrokerUrl(
  brokerUrl: string | undefined,
  env: Environment,
  store: TokenStore,
): Promise<string> {
  const chosen =
    brokerUrl ?? (env.FEDGATE_URL === '' ? undefined : env.FEDGATE_URL) ?? (await store.defaultBrokerUrl());
  if (chosen === undefined) {
    throw new LoginRequiredError(undefined, 'not logged in to any broker');
  }
  return normalizeBrokerUrl(chosen);
}

function isFresh(tokens: StoredTokens, now: Date): boolean {
  return Date.parse(tokens.expiresAt) - now.getTime() > EXPIRY_MARGIN_MS;
}

/**
 * A valid access token for the broker, refreshed silently when it is about
 * to expire. The refresh token rotates at each use, so refreshing happens
 * under the token store's lock and re-reads the file first: of many
 * concurrent `fedgate` processes, one refreshes and the others use its
 * result. Throws LoginRequiredError when there is no login or the broker
 * refuses the refresh (the login then is forgotten), and
 * BrokerUnavailableError when the broker does not answer in time.
 */
export async function accessTokenFor(
  brokerUrl: string | undefined,
  options: AccessTokenOptions = {},
): Promise<{ brokerUrl: string; accessToken: string }> {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const store = new TokenStore(env);
  const url = await resolveBrokerUrl(brokerUrl, env, store);
  const current = await store.get(url);
  if (current === undefined) {
    throw new LoginRequiredError(url, `not logged in to ${url}`);
  }
  if (isFresh(current, now())) {
    return { brokerUrl: url, accessToken: current.accessToken };
  }
  return store.withLock(async () => {
    const latest = (await store.read()).brokers[url];
    if (latest === undefined) {
      throw new LoginRequiredError(url, `not logged in to ${url}`);
    }
    if (isFresh(latest, now())) {
      return { brokerUrl: url, accessToken: latest.accessToken };
    }
    const refreshed = await refresh(url, latest.refreshToken, options.timeoutMs ?? REQUEST_TIMEOUT_MS, now);
    if (refreshed === undefined) {
      await forget(store, url);
      throw new LoginRequiredError(url, `the login to ${url} has expired or was revoked`);
    }
    const file = await store.read();
    file.brokers[url] = refreshed;
    await store.replaceLocked(file);
    return { brokerUrl: url, accessToken: refreshed.accessToken };
  });
}

/** The new tokens, or undefined when the broker refused the refresh token. */
async function refresh(
  brokerUrl: string,
  refreshToken: string,
  timeoutMs: number,
  now: () => Date,
): Promise<StoredTokens | undefined> {
  const result = await postForm<unknown>(
    brokerUrl,
    '/oauth/token',
    { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLI_CLIENT_ID },
    timeoutMs,
  );
  if (!result.ok) {
    // invalid_grant: expired, revoked or already used; invalid_client: the broker no longer knows the CLI.
    if (result.error.error === 'invalid_grant' || result.error.error === 'invalid_client') {
      return undefined;
    }
    throw new BrokerUnavailableError(brokerUrl, `refused to refresh the login (${result.error.error})`);
  }
  if (!isTokenResponse(result.body)) {
    throw new BrokerUnavailableError(brokerUrl, 'answered the refresh without the tokens it must send');
  }
  return tokensFromResponse(result.body, now());
}

/** What the CLI keeps of a token answer. */
export function tokensFromResponse(
  body: { access_token: string; refresh_token: string; expires_in: number },
  now: Date,
): StoredTokens {
  return {
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    expiresAt: new Date(now.getTime() + body.expires_in * 1000).toISOString(),
  };
}

async function forget(store: TokenStore, url: string): Promise<void> {
  await store.replaceLocked(withoutBroker(await store.read(), url));
}
