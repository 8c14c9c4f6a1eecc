import { FedgateError } from '@fedgate/core';
import { isPasswordConnector, type PasswordConnector } from '@fedgate/connectors';
import type { DeviceGrant, LoginGuard, LoginReservation } from '@fedgate/throttling';
import { failureOf, type AuditTrail } from '../audit';
import { connectorById, type ConnectorLookup } from './connector-lookup';
import { startSession, type SessionStarter, type StartedSession } from './session-start';

/** A username and password typed into a password connector's form (portal, API, CLI). */
export interface PasswordSignInRequest {
  connectorId: string;
  username: string;
  password: string;
  clientAddress: string;
  /** The session token the client had before, ended by this sign-in. */
  replacesSession?: string | undefined;
  /**
   * The device token the client holds from an earlier successful sign-in
   * (its device cookie): it keeps that account's own allowance when others
   * have spent the account's throttle.
   */
  device?: string | undefined;
}

/** A password sign-in that succeeded: the new session, and the device token to give the client. */
export interface PasswordSignedIn extends StartedSession {
  /** Replaces the client's device token; undefined leaves it as it is. */
  device: DeviceGrant | undefined;
}

/** What the password sign-in flow uses, and nothing more. */
export interface PasswordSignInDependencies {
  connectors: ConnectorLookup;
  guard: LoginGuard;
  sessions: SessionStarter;
  audit: AuditTrail;
}

/**
 * Password sign-in, the one path every front door takes: the typed name is
 * reduced to the connector's canonical account (characters no account can
 * hold are refused here, before any counter or directory), the throttle
 * reserves an attempt for that account before the connector (and so the
 * directory) is asked, the connector decides, and a success starts a fresh
 * session and renews the client's device token. Every outcome is an audit
 * event keyed on the canonical account, never on the typed text (which is
 * sometimes a mistyped password).
 */
export class PasswordSignIn {
  constructor(private readonly deps: PasswordSignInDependencies) {}

  async signIn(request: PasswordSignInRequest): Promise<PasswordSignedIn> {
    const connector = this.passwordConnector(request.connectorId);
    const base = { event: 'login', connector: connector.id, clientAddress: request.clientAddress };
    let canonical;
    try {
      // Refuses characters no account name can hold before any counter or directory sees them.
      canonical = connector.canonicalUsername(request.username);
    } catch (error) {
      this.deps.audit.record({ ...base, outcome: 'refused', ...failureOf(error) });
      throw error;
    }
    const account = canonical.kind === 'account' ? canonical.account : undefined;
    // The canonical account, not the typed text (which is sometimes a mistyped password).
    const audit = { ...base, ...(account === undefined ? {} : { username: account }) };
    let reservation: LoginReservation;
    try {
      reservation = await this.deps.guard.reserve({
        connectorId: connector.id,
        account,
        clientAddress: request.clientAddress,
        device: request.device,
      });
    } catch (error) {
      this.deps.audit.record({ ...audit, outcome: 'throttled', ...failureOf(error) });
      throw error;
    }
    if (canonical.kind === 'unacceptable') {
      await reservation.failed();
      this.deps.audit.record({ ...audit, outcome: 'failure', reason: canonical.reason });
      throw invalidCredentials();
    }
    let result;
    try {
      result = await connector.login(canonical.account, request.password, {
        clientAddress: request.clientAddress,
      });
    } catch (error) {
      // The directory did not answer: no verdict on the password, so nothing is counted.
      await reservation.abandoned();
      this.deps.audit.record({ ...audit, outcome: 'error', ...failureOf(error) });
      throw error;
    }
    if (result.kind === 'invalid_credentials') {
      await reservation.failed();
      this.deps.audit.record({ ...audit, outcome: 'failure', reason: result.reason });
      throw invalidCredentials();
    }
    const device = await reservation.succeeded();
    let started: StartedSession;
    try {
      started = await startSession(this.deps.sessions, result.identity, {
        connectorData: result.connectorData,
        replaces: request.replacesSession,
      });
    } catch (error) {
      // An administrator's block (access_revoked), or the store failing: no session.
      this.deps.audit.record({
        ...audit,
        subject: result.identity.subject,
        outcome: 'refused',
        ...failureOf(error),
      });
      throw error;
    }
    this.deps.audit.record({ ...audit, subject: result.identity.subject, outcome: 'success' });
    return { ...started, device };
  }

  private passwordConnector(id: string): PasswordConnector {
    const connector = connectorById(this.deps.connectors, id);
    if (!isPasswordConnector(connector)) {
      throw new FedgateError(
        'unsupported_operation',
        `Connector "${id}" signs in by redirect: use GET /auth/${id}/login`,
      );
    }
    return connector;
  }
}

/** One answer for a wrong password, an unknown user and a refused account: clients cannot tell them apart. */
function invalidCredentials(): FedgateError {
  return new FedgateError('invalid_credentials', 'Invalid username or password');
}
