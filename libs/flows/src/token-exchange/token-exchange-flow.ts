import { decodeJwt } from 'jose';
import type { Identity } from '@fedgate/core';
import { isTokenConnector, type Connector, type SignedIn, type TokenConnector } from '@fedgate/connectors';
import type { ConsoleSignin, Issuance, IssuedCredentials } from '@fedgate/issuance';
import type { MappingConfig } from '@fedgate/mapping';
import type { Store } from '@fedgate/store';
import {
  ISSUED_TOKEN_TYPES,
  TOKEN_EXCHANGE_PHASES,
  tokenExchangeErrorCode,
  tokenExchangeRefusal,
  type AwsTarget,
  type TokenExchangeClientConfig,
  type TokenExchangeRequest,
} from '@fedgate/token-exchange';
import { failureOf, type AuditEvent, type AuditTrail } from '../audit';
import { CredentialsFlow, type CredentialsFlowDependencies, type RequestOrigin } from '../credentials';
import { ClientAuthentication } from './client-authentication';

/** Issues a fedgate access token for /api/v1/* (libs/oauth's grants), for the identity a token stood for. */
export type AccessTokenIssuer = (
  clientId: string,
  signedIn: SignedIn,
) => Promise<{ accessToken: string; expiresInSeconds: number }>;

/** What an exchange hands back, before it is shaped into RFC 8693's answer. */
export type TokenExchangeResult =
  | { kind: 'access_token'; accessToken: string; expiresInSeconds: number }
  | { kind: 'aws_credentials'; credentials: IssuedCredentials }
  | { kind: 'aws_console_url'; url: string; expiresInSeconds: number };

export interface TokenExchangeFlowDependencies {
  /** The callers in force, read on every request (a config reload may change them). */
  clients: () => readonly TokenExchangeClientConfig[];
  connectors: { list(): readonly Connector[] };
  /** The mapping in force, read on every request: the same as the credentials flow's. */
  config: () => MappingConfig;
  issuance: Pick<Issuance, 'credentials'>;
  consoleSignin: Pick<ConsoleSignin, 'signinUrl'>;
  /** Absent until the broker issues access tokens: asking for one is then refused. */
  accessTokens?: AccessTokenIssuer;
  /** Where used client assertion `jti`s are kept. */
  store: Pick<Store, 'setIfAbsent'>;
  /** fedgate's public URL, and its token endpoint (a client assertion's audience). */
  publicUrl: string;
  audit: AuditTrail;
  /** The credentials flow's per-user and per-client limits, the same as every front door's. */
  rateLimit?: CredentialsFlowDependencies['rateLimit'];
  /**
   * Administrators' revocations (libs/sessions): a blocked subject, or a
   * subject token issued (`iat`) before the subject's latest revocation, is
   * refused with access_revoked.
   */
  revocations?: { check(user: Identity, since?: number): Promise<void> };
  now: () => number;
}

/** A console URL is good for 15 minutes (AWS's sign-in token lifetime). */
const CONSOLE_URL_SECONDS = 15 * 60;

/**
 * Token exchange (RFC 8693): a caller (a custom broker, a workload)
 * presents a token a trusted issuer signed and gets credentials, a console
 * URL or a fedgate access token for the identity the token stands for.
 * In order, nothing issued on any refusal: the caller authenticates; the
 * token's (unverified) `iss` selects one of the jwt connectors the caller
 * may use; the caller must be allowed the requested account and permission
 * set (or access tokens) — all before the token is verified, so a refused
 * request does not use up its `jti`; the connector verifies the token;
 * then the credentials flow plans and issues exactly as for a person
 * (mapping, tags, SourceIdentity, limits, cache, audit). Every audit line
 * names the caller and what it asserted; a refusal names its phase.
 */
export class TokenExchangeFlow {
  private authentication:
    { clients: readonly TokenExchangeClientConfig[]; check: ClientAuthentication } | undefined;

  constructor(private readonly deps: TokenExchangeFlowDependencies) {}

  /** The authentication of the callers in force, built again only when their list is another one. */
  private clientAuthentication(): ClientAuthentication {
    const clients = this.deps.clients();
    if (this.authentication?.clients !== clients) {
      const publicUrl = this.deps.publicUrl.replace(/\/+$/, '');
      const check = new ClientAuthentication(clients, {
        tokenEndpoint: `${publicUrl}/oauth/token`,
        publicUrl,
        store: this.deps.store,
        now: this.deps.now,
      });
      this.authentication = { clients, check };
    }
    return this.authentication.check;
  }

  async exchange(request: TokenExchangeRequest, origin: RequestOrigin): Promise<TokenExchangeResult> {
    const audit: AuditEvent = {
      event: 'token_exchange',
      outcome: 'pending',
      clientAddress: origin.clientAddress,
      caller: ClientAuthentication.claimedId(request.client),
      callerAuthentication: request.client.method,
      requestedTokenType: request.requestedTokenType,
      ...(request.target === undefined
        ? {}
        : { account: request.target.account, permissionSet: request.target.permissionSet }),
    };
    let signedIn: SignedIn;
    let caller: TokenExchangeClientConfig;
    try {
      caller = await this.clientAuthentication().authenticate(request.client);
      const connector = this.connectorFor(caller, request.subjectToken, audit);
      this.checkTarget(caller, request);
      signedIn = await connector.exchange(request.subjectToken, { clientAddress: origin.clientAddress });
      await this.deps.revocations?.check(signedIn.identity, issuedAt(signedIn.identity));
    } catch (error) {
      this.deps.audit.record({
        ...audit,
        outcome: 'refused',
        refusal: tokenExchangeErrorCode(error),
        ...failureOf(error),
      });
      throw error;
    }
    const asserted = asserting(signedIn.identity);
    this.deps.audit.record({
      ...audit,
      outcome: 'accepted',
      connector: signedIn.identity.connectorId,
      subject: signedIn.identity.subject,
      ...asserted,
    });
    return this.issue(caller, signedIn, request, origin, asserted);
  }

  /** Audits a request refused before it could be read (the front door parses it), with the client it claimed. */
  recordMalformed(claimedClientId: string | undefined, error: unknown, origin: RequestOrigin): void {
    this.deps.audit.record({
      event: 'token_exchange',
      outcome: 'refused',
      clientAddress: origin.clientAddress,
      caller: claimedClientId?.slice(0, 128),
      refusal: tokenExchangeErrorCode(error),
      ...failureOf(error),
    });
  }

  /** The one jwt connector the caller may use whose issuer the token names. */
  private connectorFor(caller: TokenExchangeClientConfig, token: string, audit: AuditEvent): TokenConnector {
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw tokenExchangeRefusal(
        'token_malformed',
        TOKEN_EXCHANGE_PHASES.issuer,
        'The subject token is not a JWT',
      );
    }
    if (typeof issuer !== 'string' || issuer === '') {
      throw tokenExchangeRefusal(
        'token_malformed',
        TOKEN_EXCHANGE_PHASES.issuer,
        'The subject token names no issuer (iss)',
      );
    }
    audit.assertedIssuer = issuer.slice(0, 256);
    const candidates = this.deps.connectors
      .list()
      .filter(isTokenConnector)
      .filter((c) => c.issuer === issuer);
    if (candidates.length === 0) {
      throw tokenExchangeRefusal(
        'issuer_unknown',
        TOKEN_EXCHANGE_PHASES.issuer,
        'The subject token was issued by an issuer fedgate does not trust',
      );
    }
    const allowed = candidates.find((connector) => caller.issuers.includes(connector.id));
    if (allowed === undefined) {
      throw tokenExchangeRefusal(
        'caller_not_allowed',
        TOKEN_EXCHANGE_PHASES.caller,
        `Client ${caller.id} may not exchange tokens of this issuer`,
        { issuerConnectors: candidates.map((connector) => connector.id) },
      );
    }
    return allowed;
  }

  /** The caller may ask for this account and permission set, or for an access token. */
  private checkTarget(caller: TokenExchangeClientConfig, request: TokenExchangeRequest): void {
    if (request.target === undefined) {
      if (!caller.allowAccessTokens) {
        throw tokenExchangeRefusal(
          'caller_not_allowed',
          TOKEN_EXCHANGE_PHASES.caller,
          `Client ${caller.id} may not get fedgate access tokens; name an account and permission set in resource`,
        );
      }
      if (this.deps.accessTokens === undefined) {
        throw tokenExchangeRefusal(
          'unsupported_token_type',
          TOKEN_EXCHANGE_PHASES.request,
          'This fedgate does not issue access tokens yet; name an account and permission set in resource',
        );
      }
      return;
    }
    if (!this.accountAllowed(caller, request.target) || !setAllowed(caller, request.target)) {
      throw tokenExchangeRefusal(
        'caller_not_allowed',
        TOKEN_EXCHANGE_PHASES.caller,
        `Client ${caller.id} may not ask for permission set "${request.target.permissionSet}" in account "${request.target.account}"`,
      );
    }
  }

  /** Accounts compare by the configured entry, so an id and a name of one account are the same account. */
  private accountAllowed(caller: TokenExchangeClientConfig, target: AwsTarget): boolean {
    if (caller.accounts.includes('*')) {
      return true;
    }
    const { accounts } = this.deps.config();
    const entryOf = (name: string) =>
      accounts.find((account) => account.id === name || account.name.toLowerCase() === name.toLowerCase());
    const requested = entryOf(target.account);
    return requested !== undefined && caller.accounts.some((name) => entryOf(name) === requested);
  }

  private async issue(
    caller: TokenExchangeClientConfig,
    signedIn: SignedIn,
    request: TokenExchangeRequest,
    origin: RequestOrigin,
    asserted: Record<string, unknown>,
  ): Promise<TokenExchangeResult> {
    const { identity } = signedIn;
    const target = request.target;
    if (target === undefined) {
      const issueAccessToken = this.deps.accessTokens;
      if (issueAccessToken === undefined) {
        throw new Error('checked in checkTarget');
      }
      const token = await issueAccessToken(caller.id, signedIn);
      this.deps.audit.record({
        event: 'token_exchange_access_token',
        outcome: 'success',
        clientAddress: origin.clientAddress,
        caller: caller.id,
        connector: identity.connectorId,
        subject: identity.subject,
        ...asserted,
      });
      return {
        kind: 'access_token',
        accessToken: token.accessToken,
        expiresInSeconds: token.expiresInSeconds,
      };
    }
    // The credentials flow's own audit lines, with who asserted the identity.
    const credentialsFlow = new CredentialsFlow({
      config: this.deps.config,
      issuance: this.deps.issuance,
      consoleSignin: this.deps.consoleSignin,
      audit: {
        record: (event) => {
          this.deps.audit.record({ ...event, via: 'token_exchange', caller: caller.id, ...asserted });
        },
      },
      ...(this.deps.rateLimit === undefined ? {} : { rateLimit: this.deps.rateLimit }),
      now: this.deps.now,
    });
    const entitlement = {
      accountId: target.account,
      permissionSet: target.permissionSet,
      ...(request.durationSeconds === undefined ? {} : { durationSeconds: request.durationSeconds }),
    };
    if (request.requestedTokenType === ISSUED_TOKEN_TYPES.awsConsoleUrl) {
      const url = await credentialsFlow.consoleUrl(
        identity,
        {
          ...entitlement,
          ...(request.destination === undefined ? {} : { destination: request.destination }),
        },
        origin,
      );
      return { kind: 'aws_console_url', url, expiresInSeconds: CONSOLE_URL_SECONDS };
    }
    return {
      kind: 'aws_credentials',
      credentials: await credentialsFlow.credentials(identity, entitlement, origin),
    };
  }
}

function setAllowed(caller: TokenExchangeClientConfig, target: AwsTarget): boolean {
  return caller.permissionSets.some(
    (name) => name === '*' || name.toLowerCase() === target.permissionSet.toLowerCase(),
  );
}

/**
 * When the subject token was issued, ms since the epoch: a jwt connector's
 * identity has the verified `iat` as its authTime. A token issued before a
 * revocation is refused like an older sign-in; `iat` has whole seconds, so a
 * token of the revocation's own second counts as before it. An unreadable
 * time counts as before any revocation (fail closed).
 */
function issuedAt(identity: Identity): number {
  const time = Date.parse(identity.authTime);
  return Number.isNaN(time) ? 0 : time;
}

/** What the caller asserted, for audit: the identity the token stood for (never the token). */
function asserting(identity: Identity): Record<string, unknown> {
  return { assertedUsername: identity.username, assertedGroups: identity.groups };
}
