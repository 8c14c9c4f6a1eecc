import { checkLoopbackRedirect } from './loopback-redirect';
import { OAuthError } from './oauth-error';

export type GrantType =
  'authorization_code' | 'refresh_token' | 'urn:ietf:params:oauth:grant-type:device_code';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * A client of fedgate's authorization server. All are public clients (no
 * secret: a program on a laptop cannot keep one), so PKCE and the loopback
 * redirect carry the proof. Clients that register themselves later (AWS
 * SSO's RegisterClient) are this same shape, kept in the store.
 */
export interface OAuthClient {
  clientId: string;
  /** Shown on the confirmation pages. */
  name: string;
  grantTypes: readonly GrantType[];
  /** Loopback redirect paths (any port, RFC 8252); empty for device-only clients. */
  loopbackRedirectPaths: readonly string[];
}

/** Where clients are looked up: the built-in CLI now, registered clients later. */
export interface ClientDirectory {
  find(clientId: string): Promise<OAuthClient | undefined>;
}

/** The fedgate CLI's client id: `fedgate login` uses it for every grant. */
export const FEDGATE_CLI_CLIENT_ID = 'fedgate-cli';

/** The loopback path `fedgate login` listens on. */
export const FEDGATE_CLI_REDIRECT_PATH = '/callback';

export const FEDGATE_CLI_CLIENT: OAuthClient = {
  clientId: FEDGATE_CLI_CLIENT_ID,
  name: 'fedgate CLI',
  grantTypes: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT],
  loopbackRedirectPaths: [FEDGATE_CLI_REDIRECT_PATH],
};

/**
 * Clients built into fedgate, with a directory of registered clients
 * behind it (none yet). The built-in ids cannot be taken by a registration.
 */
export class Clients implements ClientDirectory {
  private readonly builtIn: ReadonlyMap<string, OAuthClient>;

  constructor(
    builtIn: readonly OAuthClient[] = [FEDGATE_CLI_CLIENT],
    private readonly registered?: ClientDirectory,
  ) {
    this.builtIn = new Map(builtIn.map((client) => [client.clientId, client]));
  }

  async find(clientId: string): Promise<OAuthClient | undefined> {
    return this.builtIn.get(clientId) ?? (await this.registered?.find(clientId));
  }

  /** The client, allowed the grant; invalid_client or unauthorized_client otherwise. */
  async require(clientId: string | undefined, grant: GrantType): Promise<OAuthClient> {
    const client = clientId === undefined || clientId === '' ? undefined : await this.find(clientId);
    if (client === undefined) {
      throw new OAuthError('invalid_client', 'Unknown client_id');
    }
    if (!client.grantTypes.includes(grant)) {
      throw new OAuthError('unauthorized_client', `This client may not use the ${grant} grant`);
    }
    return client;
  }
}

/** The client's registered loopback redirect, or an OAuthError. */
export function checkClientRedirect(client: OAuthClient, redirectUri: string | undefined): string {
  return checkLoopbackRedirect(redirectUri, client.loopbackRedirectPaths);
}
