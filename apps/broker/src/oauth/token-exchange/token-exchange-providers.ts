import type { Provider } from '@nestjs/common';
import { TokenExchangeFlow } from '@fedgate/flows';
import type { BrokerRuntime } from '../../broker-runtime';
import { OAuthRuntime } from '../oauth-runtime';
import { TokenExchangeGrant } from './token-exchange-grant';

/**
 * The token-exchange flow, built from the runtime; a fedgate access token
 * is a login of the caller's client id in the authorization server's
 * grants, usable on /api/v1/* like the CLI's. Its refresh token is not
 * handed out: a caller exchanges a fresh token instead.
 */
export function tokenExchangeProviders(runtime: BrokerRuntime): Provider[] {
  return [
    {
      provide: TokenExchangeFlow,
      inject: [OAuthRuntime],
      useFactory: (oauth: OAuthRuntime) =>
        new TokenExchangeFlow({
          clients: runtime.config.tokenExchange.clients,
          connectors: runtime.connectors,
          config: () => runtime.liveConfig.current,
          issuance: runtime.issuance,
          consoleSignin: runtime.consoleSignin,
          accessTokens: async (clientId, signedIn) => {
            const tokens = await oauth.server.grants.issue(clientId, {
              identity: signedIn.identity,
              ...(signedIn.connectorData === undefined ? {} : { connectorData: signedIn.connectorData }),
            });
            return { accessToken: tokens.access_token, expiresInSeconds: tokens.expires_in };
          },
          store: runtime.store,
          publicUrl: runtime.config.server.publicUrl,
          audit: runtime.audit,
          rateLimit: runtime.issuanceRateLimit,
          now: runtime.now,
        }),
    },
    TokenExchangeGrant,
  ];
}
