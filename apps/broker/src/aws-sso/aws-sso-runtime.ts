import { AuthorizationServer, Clients, RegisteredClients } from '@fedgate/oauth';
import type { BrokerRuntime } from '../broker-runtime';

/**
 * A registration outlives the longest login it can start by a day (AWS's
 * last 90 days). Anyone may register, so registrations must not pile up in
 * the store for months; the clients register again when theirs expired.
 */
const REGISTRATION_MARGIN_SECONDS = 24 * 60 * 60;
/**
 * An hour, as AWS's own tokens: botocore refreshes when less than 15
 * minutes are left, so a 15-minute token would be rotated on every call.
 */
const ACCESS_TOKEN_SECONDS = 60 * 60;

/**
 * The authorization server the AWS SSO endpoints speak for: the same
 * store-backed codes, device authorizations (confirmed on fedgate's own
 * device page) and rotating refresh-token families as the CLI's, but for
 * clients registered through RegisterClient only: the built-in fedgate CLI
 * client is not one of its clients, and its tokens are not AWS SSO tokens.
 */
export class AwsSsoRuntime {
  readonly registrations: RegisteredClients;
  readonly server: AuthorizationServer;
  /** The broker's public URL without a trailing slash: the `sso_start_url` clients name. */
  readonly startUrl: string;

  constructor(runtime: BrokerRuntime) {
    const { config, store, now, audit } = runtime;
    this.startUrl = config.server.publicUrl.replace(/\/+$/, '');
    this.registrations = new RegisteredClients(store, {
      lifetimeSeconds: config.session.absoluteTimeout + REGISTRATION_MARGIN_SECONDS,
      now,
    });
    this.server = new AuthorizationServer(store, {
      publicUrl: config.server.publicUrl,
      timeouts: { idleSeconds: config.session.idleTimeout, absoluteSeconds: config.session.absoluteTimeout },
      accessTokenSeconds: ACCESS_TOKEN_SECONDS,
      clients: new Clients([], this.registrations),
      now,
      events: (event) => {
        audit.record({ ...event, front: 'aws-sso' });
      },
    });
  }
}
