import { createHash, randomBytes } from 'node:crypto';
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
} from '@fedgate/connectors';

/** One user's consent at the test provider: the code it issues and what it was bound to. */
interface IssuedCode {
  challenge: string;
  nonce: string;
  redirectUri: string;
  subject: string;
}

/**
 * An OAuth 2 provider and its connector in one, for testing the redirect
 * sign-in flow before the OIDC connector exists: it issues codes bound to
 * the PKCE challenge, nonce and redirect URI it was sent, and redeems each
 * code once, only with the matching verifier and nonce, as a real
 * provider and the OIDC connector's checks would.
 */
export class TestOAuthConnector implements CallbackConnector, RefreshConnector {
  readonly type = 'test-oauth';
  readonly displayName = 'Test provider';
  private readonly codes = new Map<string, IssuedCode>();
  /** Every authorization request the connector built, for assertions. */
  readonly authorizationRequests: URL[] = [];
  /** Users the provider has disabled since they signed in, and their groups now. */
  readonly disabled = new Set<string>();
  readonly groupsNow = new Map<string, string[]>();
  /** The provider does not answer refreshes (an outage). */
  down = false;
  /** How many refreshes the provider answered or refused. */
  refreshes = 0;

  constructor(readonly id: string) {}

  loginUrl(request: LoginUrlRequest): Promise<LoginUrl> {
    const url = new URL('https://idp.test/authorize');
    url.search = new URLSearchParams({
      response_type: 'code',
      redirect_uri: request.callbackUrl,
      state: request.state,
      nonce: request.nonce,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    this.authorizationRequests.push(url);
    return Promise.resolve({
      url: url.toString(),
      connectorState: `issued-for:${request.state.slice(0, 8)}`,
    });
  }

  /** The user signs in at the provider: the query fedgate's callback receives. */
  consent(authorizationUrl: string, subject: string): Record<string, string> {
    const url = new URL(authorizationUrl);
    const code = randomBytes(16).toString('base64url');
    this.codes.set(code, {
      challenge: url.searchParams.get('code_challenge') ?? '',
      nonce: url.searchParams.get('nonce') ?? '',
      redirectUri: url.searchParams.get('redirect_uri') ?? '',
      subject,
    });
    return { code, state: url.searchParams.get('state') ?? '' };
  }

  handleCallback(request: CallbackRequest): Promise<SignedIn> {
    const code = request.query.code ?? '';
    const issued = this.codes.get(code);
    this.codes.delete(code);
    const verifierMatches =
      issued !== undefined &&
      createHash('sha256').update(request.codeVerifier).digest('base64url') === issued.challenge;
    if (
      issued === undefined ||
      !verifierMatches ||
      issued.nonce !== request.nonce ||
      issued.redirectUri !== request.callbackUrl
    ) {
      return Promise.reject(
        new FedgateError('assertion_invalid', 'The provider refused the code', { phase: 'oauth.token' }),
      );
    }
    const identity: Identity = {
      connectorId: this.id,
      subject: issued.subject,
      username: issued.subject,
      groups: this.groupsNow.get(issued.subject) ?? ['developers'],
      attributes: {},
      mfa: { satisfied: true, methods: ['otp'] },
      authTime: new Date().toISOString(),
    };
    return Promise.resolve({ identity, connectorData: `refresh-for-${issued.subject}` });
  }

  /** Re-checks a user with the provider, as a refresh-token grant would. */
  refresh(signedIn: SignedIn, _context: LoginContext): Promise<RefreshResult> {
    if (this.down) {
      return Promise.reject(
        new FedgateError('idp_unavailable', 'The identity provider is unavailable', {
          phase: 'oauth.refresh',
        }),
      );
    }
    this.refreshes += 1;
    const { subject } = signedIn.identity;
    if (this.disabled.has(subject) || signedIn.connectorData !== `refresh-for-${subject}`) {
      return Promise.resolve({ kind: 'revoked', reason: 'the provider refused the refresh token' });
    }
    const groups = this.groupsNow.get(subject) ?? signedIn.identity.groups;
    return Promise.resolve({ kind: 'current', identity: { ...signedIn.identity, groups } });
  }
}
