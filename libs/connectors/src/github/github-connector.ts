import { FedgateError } from '@fedgate/core';
import type {
  CallbackConnector,
  CallbackRequest,
  LoginContext,
  LoginUrl,
  LoginUrlRequest,
  SignedIn,
} from '../connector';
import { GITHUB_SCOPES, type GithubConnectorConfig } from './github-connector.config';
import { githubEndpoints, type GithubEndpoints } from './github-endpoints';
import { getAllPages, getJson, type GithubHttpOptions } from './github-http';
import { checkRequiredOrgs, identityOf, parseOrgs, parseUser } from './github-identity';
import { exchangeCode } from './github-token';

/** What the GitHub connector uses besides its config. */
export interface GithubConnectorDependencies {
  now?: () => Date;
}

/**
 * GitHub (github.com, Enterprise Cloud or Enterprise Server) through an
 * OAuth App or a GitHub App's user authorization: authorization code with
 * state and PKCE S256, then `/user`, `/user/emails`, `/user/orgs` and
 * `/user/teams` with the user's token, which is used for this sign-in only
 * and never kept. Each refusal is a FedgateError naming its phase
 * (`github.token`, `github.user`, `github.emails`, `github.orgs`,
 * `github.teams`) and check (docs/connectors/github.md).
 */
export class GithubConnector implements CallbackConnector {
  readonly type = 'github';
  readonly id: string;
  readonly displayName: string;
  private readonly endpoints: GithubEndpoints;
  private readonly requiredOrgs: readonly string[];
  private readonly http: GithubHttpOptions;

  constructor(
    private readonly config: GithubConnectorConfig,
    dependencies: GithubConnectorDependencies = {},
  ) {
    this.id = config.id;
    this.displayName = config.name ?? config.id;
    this.endpoints = githubEndpoints(config);
    this.requiredOrgs = [...new Set(config.orgs.map((org) => org.toLowerCase()))];
    this.http = {
      connectorId: config.id,
      timeoutMs: config.timeout * 1000,
      now: dependencies.now ?? (() => new Date()),
    };
  }

  loginUrl(request: LoginUrlRequest, _context: LoginContext): Promise<LoginUrl> {
    const url = new URL(this.endpoints.authorize);
    url.search = new URLSearchParams({
      client_id: this.config.clientId,
      redirect_uri: request.callbackUrl,
      scope: GITHUB_SCOPES.join(' '),
      state: request.state,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
      // Signing in to fedgate is no place to create a GitHub account.
      allow_signup: 'false',
    }).toString();
    return Promise.resolve({ url: url.href });
  }

  async handleCallback(request: CallbackRequest, _context: LoginContext): Promise<SignedIn> {
    const code = this.codeOf(request.query);
    const accessToken = await exchangeCode(
      {
        tokenUrl: this.endpoints.token,
        clientId: this.config.clientId,
        clientSecret: this.config.clientSecret,
        code,
        redirectUri: request.callbackUrl,
        codeVerifier: request.codeVerifier,
      },
      this.http,
    );
    const api = this.endpoints.api;
    const user = (await getJson(`${api}/user`, accessToken, 'github.user', this.http)).body;
    parseUser(user, this.id);
    const emails = await getAllPages(api, '/user/emails', accessToken, 'github.emails', this.http);
    const orgs = await getAllPages(api, '/user/orgs', accessToken, 'github.orgs', this.http);
    const input = { connectorId: this.id, requiredOrgs: this.requiredOrgs, authTime: this.http.now() };
    // An outsider is refused before anything more is read about them.
    checkRequiredOrgs(parseOrgs(orgs, this.id), input);
    const teams = await getAllPages(api, '/user/teams', accessToken, 'github.teams', this.http);
    return { identity: identityOf({ user, emails, orgs, teams }, input) };
  }

  /** The authorization response itself (RFC 6749 4.1.2): an error GitHub sent back, or no code. */
  private codeOf(query: Readonly<Record<string, string>>): string {
    if (query.error !== undefined) {
      const error = query.error.replace(/[^\w.-]/g, '').slice(0, 64);
      throw new FedgateError('assertion_invalid', `GitHub refused the sign-in (${error})`, {
        phase: 'github.state',
        detail: { connector: this.id, check: 'error-response', error },
      });
    }
    if (query.code === undefined || query.code === '') {
      throw new FedgateError('assertion_invalid', 'GitHub sent no authorization code', {
        phase: 'github.state',
        detail: { connector: this.id, check: 'code' },
      });
    }
    return query.code;
  }
}
