import { IdentityRefresh, type AuditTrail } from '@fedgate/flows';
import { AuthorizationServer, RegisteredClients } from '@fedgate/oauth';
import { OAuthRateLimit } from '@fedgate/throttling';
import type { BrokerRuntime } from '../broker-runtime';
import { OAuthEndpoints } from './oauth-endpoint';

/** The authorization server and what its endpoints and the bearer check use with it. */
export class OAuthRuntime {
  readonly server: AuthorizationServer;
  /** The identity re-check for CLI logins, as IdentityRefresh does for cookie sessions. */
  readonly identityRefresh: IdentityRefresh;
  /** The shape every OAuth and AWS SSO OIDC endpoint answers in, with their limits (`oauthRateLimit`). */
  readonly endpoints: OAuthEndpoints;
  /** The `oauthRateLimit` counters, for the token exchange's per-user count. */
  readonly rateLimit: OAuthRateLimit;
  /** The runtime's audit stream: approvals, denials, reuse and revocations go there. */
  readonly audit: AuditTrail;
  /**
   * Clients registered through AWS SSO's RegisterClient, read only to name them on the shared
   * device page; they can use none of this server's endpoints.
   */
  private readonly awsSsoClients: RegisteredClients;

  constructor(runtime: BrokerRuntime) {
    const { config, store, now, audit } = runtime;
    this.audit = audit;
    this.server = new AuthorizationServer(store, {
      publicUrl: config.server.publicUrl,
      // A CLI login lasts as a portal session does (the `session` section).
      timeouts: { idleSeconds: config.session.idleTimeout, absoluteSeconds: config.session.absoluteTimeout },
      now,
      events: (event) => {
        audit.record(event);
      },
    });
    this.identityRefresh = new IdentityRefresh({
      connectors: runtime.connectors,
      // Keyed by the login's family id: a login the source revokes ends with all its tokens.
      sessions: this.server.grants,
      locks: store,
      audit,
      intervalSeconds: config.session.refreshInterval,
      now,
    });
    this.rateLimit = new OAuthRateLimit(store, config.oauthRateLimit);
    this.endpoints = new OAuthEndpoints(this.rateLimit, audit);
    this.awsSsoClients = new RegisteredClients(store, {
      lifetimeSeconds: config.session.absoluteTimeout,
      now,
    });
  }

  /** What the device page calls the program that asked: the CLI, or an AWS tool by the name it registered. */
  async clientDisplayName(clientId: string): Promise<string> {
    const builtIn = await this.server.clientName(clientId);
    if (builtIn !== clientId) {
      return builtIn;
    }
    const registered = await this.awsSsoClients.find(clientId);
    return registered === undefined ? clientId : `${registered.name} (an AWS tool, through AWS SSO)`;
  }
}
