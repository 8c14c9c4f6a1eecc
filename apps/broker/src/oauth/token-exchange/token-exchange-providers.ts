import type { Provider } from '@nestjs/common';
import type { Identity } from '@fedgate/core';
import { TokenExchangeFlow } from '@fedgate/flows';
import type { BrokerRuntime } from '../../broker-runtime';
import { auditRateRefusal } from '../oauth-endpoint';
import { OAuthRuntime } from '../oauth-runtime';
import { TokenExchangeGrant } from './token-exchange-grant';

/**
 * An exchange for a fedgate access token counts its subject's user against
 * oauthRateLimit.perUser; a refusal is audited here, as the endpoints' are
 * (OAuthEndpoints), since no credentials flow runs to audit it.
 */
async function userLimit(oauth: OAuthRuntime, clientId: string, user: Identity): Promise<void> {
  const counted = { clientId, user };
  try {
    await oauth.rateLimit.take({ user });
  } catch (error) {
    auditRateRefusal(
      oauth.audit,
      error,
      { front: 'oauth', endpoint: 'token', grant: 'token-exchange' },
      counted,
    );
    throw error;
  }
}

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
          clients: () => runtime.liveConfig.current.tokenExchange.clients,
          connectors: runtime.connectors,
          config: () => runtime.liveConfig.current,
          issuance: runtime.issuance,
          consoleSignin: runtime.consoleSignin,
          accessTokens: async (clientId, signedIn) => {
            await userLimit(oauth, clientId, signedIn.identity);
            const tokens = await oauth.server.grants.issue(clientId, {
              identity: signedIn.identity,
              ...(signedIn.connectorData === undefined ? {} : { connectorData: signedIn.connectorData }),
            });
            return { accessToken: tokens.access_token, expiresInSeconds: tokens.expires_in };
          },
          store: runtime.store,
          publicUrl: runtime.config.server.publicUrl,
          audit: runtime.audit,
          revocations: runtime.revocations,
          // The subject's user is counted against oauthRateLimit.perUser too (the credentials flow
          // audits a refusal), then against the issuance limits as every front door's requests.
          rateLimit: {
            take: async (user, clientAddress) => {
              await oauth.rateLimit.take({ user });
              await runtime.issuanceRateLimit.take(user, clientAddress);
            },
          },
          now: runtime.now,
        }),
    },
    TokenExchangeGrant,
  ];
}
