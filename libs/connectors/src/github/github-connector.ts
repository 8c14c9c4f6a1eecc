import { FedgateError, type Identity } from '@fedgate/core';
import type {
  CallbackConnector,
  CallbackRequest,
  LoginContext,
  LoginUrl,
  LoginUrlRequest,
  RefreshConnector,
  RefreshResult,
  SignedIn,
} from '../connector';
import { GITHUB_SCOPES, type GithubConnectorConfig } from './github-connector.config';
import { githubEndpoints, type GithubEndpoints } from './github-endpoints';
import { getAllPages, getJson, type GithubHttpOptions } from './github-http';
import { checkRequiredOrgs, identityOf, parseOrgs, parseUser } from './github-identity';
import { exchangeCode, refreshTokens, type GithubClient, type GithubTokens } from './github-token';

/** What the GitHub connector uses besides its config. */
export interface GithubConnectorDependencies {
  now?: () => Date;
}

/**
 * GitHub (github.com, Enterprise Cloud or Enterprise Server) through an
 * OAuth App or a GitHub App's user authorization: authorization code with
 * state and PKCE S256, then `/user`, `/user/emails`, `/user/orgs` and
 * `/user/teams` with the user's token, which is used for this sign-in only
 * and never kept. When GitHub gives a refresh token with it (a GitHub App
 * with expiring user tokens), that is kept to re-check the user later;
 * an OAuth App's tokens come without one. Each refusal is a FedgateError
 * naming its phase (`github.token`, `github.user`, `github.emails`,
 * `github.orgs`, `github.teams`) and check (docs/connectors/github.md).
 */
export class GithubConnector implements CallbackConnector, RefreshConnector {
  readonly type = 'github';
  readonly id: string;
  readonly displayName: string;
  readonly logoUrl: string | undefined;
  private readonly endpoints: GithubEndpoints;
  private readonly requiredOrgs: readonly string[];
  private readonly http: GithubHttpOptions;

  constructor(
    private readonly config: GithubConnectorConfig,
    dependencies: GithubConnectorDependencies = {},
  ) {
    this.id = config.id;
    this.displayName = config.name ?? config.id;
    this.logoUrl = config.logo;
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
    const tokens = await exchangeCode(
      {
        ...this.client(),
        code,
        redirectUri: request.callbackUrl,
        codeVerifier: request.codeVerifier,
      },
      this.http,
    );
    const identity = await this.identityFor(tokens, this.http.now());
    return {
      identity,
      ...(tokens.refreshToken === undefined ? {} : { connectorData: encodeData(tokens.refreshToken) }),
    };
  }

  /**
   * Re-checks the user with GitHub through the refresh token, and reads
   * them again as at sign-in. A refresh token GitHub refuses
   * (`bad_refresh_token`: the user revoked the app, or it expired) and a
   * user GitHub no longer admits (out of every required organization, no
   * verified primary email) are `revoked`; an outage or a rate limit is
   * thrown, so nothing is issued until GitHub answers. Without a refresh
   * token (an OAuth App) there is nothing to ask: the identity stands until
   * the session ends.
   */
  async refresh(signedIn: SignedIn, _context: LoginContext): Promise<RefreshResult> {
    const refreshToken = decodeData(signedIn.connectorData);
    const original = signedIn.identity;
    if (refreshToken === undefined || original.connectorId !== this.id) {
      return { kind: 'current', ...signedIn };
    }
    let tokens: GithubTokens;
    try {
      tokens = await refreshTokens(this.client(), refreshToken, this.http);
    } catch (error) {
      if (error instanceof FedgateError && error.detail.error === 'bad_refresh_token') {
        return {
          kind: 'revoked',
          reason:
            'GitHub no longer accepts the refresh token (bad_refresh_token): the app was revoked or it expired',
        };
      }
      throw error;
    }
    let identity: Identity;
    try {
      identity = await this.identityFor(tokens, new Date(original.authTime));
    } catch (error) {
      if (
        error instanceof FedgateError &&
        (error.code === 'not_entitled' || error.code === 'assertion_invalid')
      ) {
        const check = typeof error.detail.check === 'string' ? error.detail.check : 'refused';
        return {
          kind: 'revoked',
          reason: `GitHub no longer admits the user (${error.phase ?? 'github'}: ${check})`,
        };
      }
      throw error;
    }
    if (identity.subject !== original.subject) {
      return { kind: 'revoked', reason: 'GitHub answered the refresh for another user' };
    }
    // GitHub spends a refresh token when it is used and sends the next one.
    return { kind: 'current', identity, connectorData: encodeData(tokens.refreshToken ?? refreshToken) };
  }

  /** The user's identity as GitHub tells it with this token: profile, verified email, orgs and teams. */
  private async identityFor(tokens: GithubTokens, authTime: Date): Promise<Identity> {
    const { accessToken } = tokens;
    const api = this.endpoints.api;
    const user = (await getJson(`${api}/user`, accessToken, 'github.user', this.http)).body;
    parseUser(user, this.id);
    const emails = await getAllPages(api, '/user/emails', accessToken, 'github.emails', this.http);
    const orgs = await getAllPages(api, '/user/orgs', accessToken, 'github.orgs', this.http);
    const input = { connectorId: this.id, requiredOrgs: this.requiredOrgs, authTime };
    // An outsider is refused before anything more is read about them.
    checkRequiredOrgs(parseOrgs(orgs, this.id), input);
    const teams = await getAllPages(api, '/user/teams', accessToken, 'github.teams', this.http);
    return identityOf({ user, emails, orgs, teams }, input);
  }

  private client(): GithubClient {
    return {
      tokenUrl: this.endpoints.token,
      clientId: this.config.clientId,
      clientSecret: this.config.clientSecret,
    };
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

/** What fedgate keeps in the session to re-check the user (never shown, never logged). */
function encodeData(refreshToken: string): string {
  return JSON.stringify({ v: 1, refreshToken });
}

function decodeData(text: string | undefined): string | undefined {
  if (text === undefined) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as { v?: unknown; refreshToken?: unknown };
    return parsed.v === 1 && typeof parsed.refreshToken === 'string' ? parsed.refreshToken : undefined;
  } catch {
    return undefined;
  }
}
