import type { GithubConnectorConfig } from './github-connector.config';

/** The three places fedgate talks to, for one GitHub. */
export interface GithubEndpoints {
  /** Where the browser is sent to authorize fedgate. */
  authorize: string;
  /** Where the code is exchanged for a token (POST). */
  token: string;
  /** The REST API's root, without a trailing slash. */
  api: string;
}

/**
 * GitHub's documented URLs: `{base}/login/oauth/authorize` and
 * `{base}/login/oauth/access_token` for sign-in; the API at
 * `https://api.github.com` for github.com, `https://api.{host}` for GitHub
 * Enterprise Cloud with data residency (`*.ghe.com`), and `{base}/api/v3`
 * for GitHub Enterprise Server. `apiUrl` in the config wins.
 */
export function githubEndpoints(config: Pick<GithubConnectorConfig, 'baseUrl' | 'apiUrl'>): GithubEndpoints {
  const base = config.baseUrl.replace(/\/+$/, '');
  const host = new URL(base).host.toLowerCase();
  const api =
    config.apiUrl ??
    (host === 'github.com' || host === 'www.github.com'
      ? 'https://api.github.com'
      : host.endsWith('.ghe.com')
        ? `https://api.${host}`
        : `${base}/api/v3`);
  return {
    authorize: `${base}/login/oauth/authorize`,
    token: `${base}/login/oauth/access_token`,
    api: api.replace(/\/+$/, ''),
  };
}
