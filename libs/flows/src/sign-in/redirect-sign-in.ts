import { createHash, randomBytes } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import {
  isCallbackConnector,
  isSamlConnector,
  type AuthnRequestOutput,
  type CallbackConnector,
  type Connector,
  type SamlConnector,
  type SignedIn,
} from '@fedgate/connectors';
import { failureOf, type AuditTrail } from '../audit';
import { connectorById, type ConnectorLookup } from './connector-lookup';
import { safeReturnPath } from './return-path';
import { startSession, type SessionStarter, type StartedSession } from './session-start';
import type { PendingSignIn, SignInStates } from './sign-in-state';

/** fedgate's own URLs for a connector's return: exact, as registered at the provider. */
export interface RedirectUrls {
  /** OAuth redirect URI (`GET /auth/{id}/callback`). */
  callbackUrl(connectorId: string): string;
  /** SAML Assertion Consumer Service (`POST /auth/{id}/callback`). */
  acsUrl(connectorId: string): string;
}

/** What the redirect sign-in flow uses, and nothing more. */
export interface RedirectSignInDependencies {
  connectors: ConnectorLookup;
  states: SignInStates;
  sessions: SessionStarter;
  audit: AuditTrail;
  urls: RedirectUrls;
}

export interface BeginRequest {
  connectorId: string;
  /** Where to land after sign-in; anything but a relative path on fedgate becomes `/`. */
  returnTo?: string | undefined;
  clientAddress: string;
}

/** Where to send the browser, and the binding cookie to set on it first. */
export interface BegunSignIn {
  redirect: AuthnRequestOutput['redirect'];
  /** Value of the short-lived cookie that binds this sign-in to the browser. */
  browserBinding: string;
  kind: PendingSignIn['kind'];
}

/** The browser's return: the state id (OAuth `state`, SAML RelayState) and its binding cookie. */
interface ReturnBase {
  connectorId: string;
  browserBinding: string | undefined;
  clientAddress: string;
  replacesSession?: string | undefined;
}

export interface CallbackReturn extends ReturnBase {
  query: Readonly<Record<string, string>>;
}

export interface SamlReturn extends ReturnBase {
  samlResponse: string;
  /** Absent for an IdP-initiated response, which the connector refuses unless configured to accept it. */
  relayState: string | undefined;
}

/** A completed sign-in: the new session, and where the browser goes next. */
export interface CompletedSignIn extends StartedSession {
  returnTo: string;
}

/**
 * Sign-in by redirect to an identity provider, for every front door:
 * `begin` keeps single-use state server-side (state, nonce, PKCE verifier,
 * SAML request id, return path) bound to the browser; `complete*` consumes
 * it exactly once, lets the connector verify the provider's answer, and
 * starts a fresh session. A refused return creates nothing.
 */
export class RedirectSignIn {
  constructor(private readonly deps: RedirectSignInDependencies) {}

  async begin(request: BeginRequest): Promise<BegunSignIn> {
    const connector = this.redirectConnector(request.connectorId);
    const returnTo = safeReturnPath(request.returnTo);
    const stateId = this.deps.states.newStateId();
    const context = { clientAddress: request.clientAddress };
    if (isSamlConnector(connector)) {
      const out = await connector.authnRequest(
        { acsUrl: this.deps.urls.acsUrl(connector.id), relayState: stateId },
        context,
      );
      const saved = await this.deps.states.save(stateId, {
        connectorId: connector.id,
        kind: 'saml',
        samlRequestId: out.requestId,
        returnTo,
      });
      return { redirect: out.redirect, browserBinding: saved.browserBinding, kind: 'saml' };
    }
    const nonce = randomBytes(32).toString('base64url');
    const codeVerifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
    const loginUrl = await connector.loginUrl(
      { callbackUrl: this.deps.urls.callbackUrl(connector.id), state: stateId, nonce, codeChallenge },
      context,
    );
    const saved = await this.deps.states.save(stateId, {
      connectorId: connector.id,
      kind: 'callback',
      nonce,
      codeVerifier,
      ...(loginUrl.connectorState === undefined ? {} : { connectorState: loginUrl.connectorState }),
      returnTo,
    });
    return {
      redirect: { kind: 'url', url: loginUrl.url },
      browserBinding: saved.browserBinding,
      kind: 'callback',
    };
  }

  /** An OAuth provider's redirect back (`GET /auth/{id}/callback?code&state`). */
  async completeCallback(request: CallbackReturn): Promise<CompletedSignIn> {
    return this.complete(request, async (connector) => {
      if (!isCallbackConnector(connector)) {
        throw wrongReturn(connector.id, 'GET');
      }
      const pending = await this.consume(request, request.query.state, 'callback');
      const signedIn = await this.verified(connector, (callback) =>
        callback.handleCallback(
          {
            callbackUrl: this.deps.urls.callbackUrl(connector.id),
            query: request.query,
            nonce: pending.nonce ?? '',
            codeVerifier: pending.codeVerifier ?? '',
            ...(pending.connectorState === undefined ? {} : { connectorState: pending.connectorState }),
          },
          { clientAddress: request.clientAddress },
        ),
      );
      return { signedIn, returnTo: pending.returnTo };
    });
  }

  /** A SAML response posted to the ACS (`POST /auth/{id}/callback`). */
  async completeSaml(request: SamlReturn): Promise<CompletedSignIn> {
    return this.complete(request, async (connector) => {
      if (!isSamlConnector(connector)) {
        throw wrongReturn(connector.id, 'POST');
      }
      // IdP-initiated: no state of ours to consume; the connector refuses it unless allowed.
      const pending =
        request.relayState === undefined || request.relayState === ''
          ? undefined
          : await this.consume(request, request.relayState, 'saml');
      const signedIn = await this.verified(connector, (saml) =>
        saml.handlePost(
          {
            acsUrl: this.deps.urls.acsUrl(connector.id),
            samlResponse: request.samlResponse,
            inResponseTo: pending?.samlRequestId,
          },
          { clientAddress: request.clientAddress },
        ),
      );
      // IdP-initiated: the connector's configured landing, kept only when it is a path on fedgate.
      return { signedIn, returnTo: pending?.returnTo ?? safeReturnPath(connector.idpInitiatedLanding) };
    });
  }

  /** Runs one completion, audits its outcome, and starts the session on success. */
  private async complete(
    request: ReturnBase,
    verify: (connector: Connector) => Promise<{ signedIn: SignedIn; returnTo: string }>,
  ): Promise<CompletedSignIn> {
    const audit = { event: 'login', connector: request.connectorId, clientAddress: request.clientAddress };
    let outcome;
    try {
      outcome = await verify(connectorById(this.deps.connectors, request.connectorId));
    } catch (error) {
      this.deps.audit.record({ ...audit, outcome: 'failure', ...failureOf(error) });
      throw error;
    }
    let started: StartedSession;
    try {
      started = await startSession(this.deps.sessions, outcome.signedIn.identity, {
        connectorData: outcome.signedIn.connectorData,
        replaces: request.replacesSession,
      });
    } catch (error) {
      // An administrator's block (access_revoked), or the store failing: no session.
      this.deps.audit.record({
        ...audit,
        subject: outcome.signedIn.identity.subject,
        outcome: 'refused',
        ...failureOf(error),
      });
      throw error;
    }
    this.deps.audit.record({ ...audit, subject: outcome.signedIn.identity.subject, outcome: 'success' });
    return { ...started, returnTo: outcome.returnTo };
  }

  private async consume(
    request: ReturnBase,
    stateId: string | undefined,
    kind: PendingSignIn['kind'],
  ): Promise<PendingSignIn> {
    const pending = await this.deps.states.consume(stateId ?? '', request.browserBinding);
    // A state started for another connector is not this connector's to complete (mix-up defence).
    if (pending.connectorId !== request.connectorId || pending.kind !== kind) {
      throw new FedgateError(
        'sign_in_state_mismatch',
        'This sign-in was started for another sign-in option; start it again',
        { phase: 'redirect.state', detail: { started: pending.connectorId, returned: request.connectorId } },
      );
    }
    return pending;
  }

  private async verified<C extends CallbackConnector | SamlConnector>(
    connector: C,
    verify: (connector: C) => Promise<SignedIn>,
  ): Promise<SignedIn> {
    const signedIn = await verify(connector);
    if (signedIn.identity.connectorId !== connector.id) {
      throw new FedgateError('internal', 'A connector returned an identity of another connector', {
        phase: 'redirect.identity',
        detail: { connector: connector.id },
      });
    }
    return signedIn;
  }

  private redirectConnector(id: string): CallbackConnector | SamlConnector {
    const connector = connectorById(this.deps.connectors, id);
    if (isCallbackConnector(connector) || isSamlConnector(connector)) {
      return connector;
    }
    throw new FedgateError(
      'unsupported_operation',
      `Connector "${id}" takes a password: POST /auth/${id}/login`,
    );
  }
}

function wrongReturn(connectorId: string, method: 'GET' | 'POST'): FedgateError {
  return new FedgateError(
    'unsupported_operation',
    `Connector "${connectorId}" does not complete sign-in by ${method} /auth/${connectorId}/callback`,
  );
}
