import { randomUUID } from 'node:crypto';
import { openAuditStream, type AuditRecorder } from '@fedgate/audit';
import {
  assertBrokerStartup,
  LiveConfig,
  type BackendConfig,
  type FedgateConfig,
} from '@fedgate/broker-config';
import { ConnectorCatalog, createConnector, type Connector } from '@fedgate/connectors';
import {
  IdentityRefresh,
  PasswordSignIn,
  RedirectSignIn,
  RevokeUser,
  SignInStates,
  SignOut,
  type AuditTrail,
} from '@fedgate/flows';
import {
  AssumeRoleIssuer,
  CacheCipher,
  ConsoleSignin,
  CredentialCache,
  FederationTokenIssuer,
  type CacheRevocation,
  Issuance,
  StsClients,
  WebIdentityIssuer,
  WebIdentityKeyRing,
  WebIdentityTokenSigner,
  createStsClient,
  createUnsignedStsClient,
  credentialCacheKey,
  scopedCacheKey,
  resolveWebIdentitySettings,
} from '@fedgate/issuance';
import type { Logger } from '@fedgate/logging';
import { BrokerMetrics, countingAuditTrail, measureStsClient } from '@fedgate/metrics';
import { AuthorizationServer } from '@fedgate/oauth';
import { SessionManager, UserIndex, UserRevocations } from '@fedgate/sessions';
import {
  IssuanceRateLimit,
  LoginThrottle,
  checkLockoutMargins,
  loginThrottleLimits,
  reportsLockoutPolicy,
  trustProxyWarnings,
} from '@fedgate/throttling';
import { createStore, storeConfigFromSection, type Store } from '@fedgate/store';
import type { STSClient } from '@aws-sdk/client-sts';
import { ConfigReloader, type ConfigSource } from './config-reloader';
import { SIGN_IN_LIFETIME_SECONDS } from './http/sign-in-cookie';
import { AuditWrites, type AuditBatches } from './http/audit-writes';

/**
 * The broker's singletons, built from the validated config with plain
 * constructors (no Nest), so tests and other entry points can build one too.
 */
export interface BrokerRuntime {
  /** The configuration the broker started with: read only restart-only sections from it. */
  config: FedgateConfig;
  /** The configuration in force, which a reload replaces: the mapping, admins and rate limits read it. */
  liveConfig: LiveConfig;
  /** Reloads the file the broker started with (SIGHUP, POST /api/v1/admin/reload). */
  configReloader: ConfigReloader;
  logger: Logger;
  store: Store;
  connectors: ConnectorCatalog;
  sessions: SessionManager;
  /** Credentials by each entitlement's mode, through the encrypted cache. */
  issuance: Issuance;
  consoleSignin: ConsoleSignin;
  /** The keys fedgate signs web-identity tokens with; published at /.well-known/jwks.json. */
  webIdentityKeys: WebIdentityKeyRing;
  throttle: LoginThrottle;
  /** Sign-in flows, shared by every front door. */
  passwordSignIn: PasswordSignIn;
  redirectSignIn: RedirectSignIn;
  /** Re-checks a session's identity with its source every `session.refreshInterval`. */
  identityRefresh: IdentityRefresh;
  /** Ends a session at the user's request, audited. */
  signOut: SignOut;
  /** Administrators' revocations of users (docs/operations/revocation.md). */
  revocations: UserRevocations;
  /** Ends a user's sessions, logins and cached credentials on every replica, for an administrator. */
  revokeUser: RevokeUser;
  /** Every front door's credential and console requests, counted per user and per client. */
  issuanceRateLimit: Pick<IssuanceRateLimit, 'take'>;
  /** Where every front door records what happened: the audit stream, counted into the metrics. */
  audit: AuditTrail;
  /** Holds each answer until its request's audit lines are kept (the Redis audit stream). */
  auditWrites: AuditWrites;
  /** The file or stdout audit stream's groups of lines, which answers wait for (http/audit-writes.ts). */
  auditBatches: AuditBatches | undefined;
  /** What `/metrics` serves. */
  metrics: BrokerMetrics;
  /** The broker's clock (milliseconds); the mapping measures auth ages with it. */
  now: () => number;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger: Logger;
  /** Replaces the signed SDK client per backend; tests use it to count STS calls. */
  stsClientFactory?: (backend: BackendConfig) => STSClient;
  /** Replaces the unsigned client of mode web-identity; it must never sign. */
  unsignedStsClientFactory?: (backend: BackendConfig) => STSClient;
  /** Replaces the configured audit stream (`audit`); tests read the events from their log capture. */
  audit?: AuditTrail;
  now?: () => number;
  /**
   * Connectors added to the configured ones, for connector types whose real
   * implementation is not in the registry yet (tests of the redirect flow).
   */
  extraConnectors?: readonly Connector[];
  /** The file the config was read from, which a reload reads again; without it reloads are refused. */
  configSource?: ConfigSource;
}

export async function createBrokerRuntime(
  config: FedgateConfig,
  options: RuntimeOptions,
): Promise<BrokerRuntime> {
  const now = options.now ?? Date.now;
  warnAboutInsecureConnectors(config, options.logger);
  warnAboutPlaintextEndpoints(config, options.logger);
  // The start-up checks `fedgate config validate` runs too, before anything opens a connection.
  await assertBrokerStartup(config);
  // Before any library is handed a section: reloads compare with the file as it was loaded.
  const liveConfig = new LiveConfig(config);
  const webIdentityKeys = await WebIdentityKeyRing.fromConfig(config.issuance.webIdentity.signingKeys);
  const webIdentitySettings = resolveWebIdentitySettings(config.issuance, config.server.publicUrl);
  const store = await createStore(storeConfigFromSection(config.store));
  const metrics = new BrokerMetrics();
  const signedClient = options.stsClientFactory ?? createStsClient;
  const stsClients = new StsClients(config.backends, (backend) =>
    measureStsClient(signedClient(backend), backend.id, metrics),
  );
  // The token signer reads the real clock: STS checks iat/exp against its own.
  const webIdentityIssuer = new WebIdentityIssuer(
    config.backends,
    new WebIdentityTokenSigner(webIdentityKeys, webIdentitySettings),
    (backend) =>
      measureStsClient(
        (options.unsignedStsClientFactory ?? createUnsignedStsClient)(backend),
        backend.id,
        metrics,
      ),
  );
  const revocations = new UserRevocations(store, { keepSeconds: config.session.absoluteTimeout, now });
  const userIndex = new UserIndex(store);
  const cache = config.issuance.cache.enabled
    ? credentialCache(config, store, now, {
        track: userIndex.track.bind(userIndex),
        check: revocations.check.bind(revocations),
      })
    : undefined;
  const issuance = new Issuance({
    // The roles and SourceIdentity of what is issued, for a revocation's AWS side.
    issuedTo: userIndex,
    issuers: {
      'assume-role': new AssumeRoleIssuer(stsClients),
      'federation-token': new FederationTokenIssuer(stsClients),
      'web-identity': webIdentityIssuer,
    },
    ...(cache === undefined ? {} : { cache: { store: cache, keyOf: cacheKeyFunction(config) } }),
  });
  warnAboutSingleInstanceKeys(config, webIdentityKeys, options.logger);
  const connectors = new ConnectorCatalog([
    ...config.connectors.map((connector) =>
      createConnector(connector, {
        now: () => new Date(now()),
        store,
        publicUrl: config.server.publicUrl,
        log: options.logger,
      }),
    ),
    ...(options.extraConnectors ?? []),
  ]);
  const sessions = new SessionManager(
    store,
    { idleSeconds: config.session.idleTimeout, absoluteSeconds: config.session.absoluteTimeout },
    now,
  );
  const throttleLimits = loginThrottleLimits(config.loginThrottle);
  const throttle = new LoginThrottle(store, throttleLimits);
  for (const warning of trustProxyWarnings(config.server.trustProxy)) {
    options.logger.warn(warning);
  }
  // In the background: a directory that is down at start-up must not hold the broker back.
  const lockoutCheck = checkLockoutMargins(
    connectors.list().filter(reportsLockoutPolicy),
    throttleLimits,
    (message, fields) => {
      options.logger.warn(fields, message);
    },
  );
  // Audit writes finish after record(); each answer waits for its request's (http/audit-writes.ts).
  const auditWrites = new AuditWrites();
  const auditStream =
    options.audit === undefined
      ? await openAuditStream(config.audit, {
          onWrite: auditWrites.track,
          onError: (error) => {
            options.logger.error({ err: error }, 'an audit line could not be written');
          },
        })
      : undefined;
  const audit = countingAuditTrail(metrics, options.audit ?? (auditStream as AuditTrail));
  const configReloader = new ConfigReloader({
    source: options.configSource,
    live: liveConfig,
    audit,
    logger: options.logger,
    applied: (next) => {
      options.logger.level = next.logging.level;
    },
  });
  const publicUrl = config.server.publicUrl.replace(/\/$/, '');
  const callbackUrl = (id: string): string => `${publicUrl}/auth/${encodeURIComponent(id)}/callback`;
  return {
    config,
    auditWrites,
    auditBatches: batchesOf(auditStream),
    liveConfig,
    configReloader,
    logger: options.logger,
    store,
    connectors,
    sessions,
    issuance,
    consoleSignin: new ConsoleSignin({
      issuer: config.server.publicUrl,
      timeoutMs: Math.max(5, ...config.backends.map((backend) => backend.timeout)) * 1000,
    }),
    webIdentityKeys,
    throttle,
    passwordSignIn: new PasswordSignIn({ connectors, guard: throttle, sessions, audit }),
    redirectSignIn: new RedirectSignIn({
      connectors,
      states: new SignInStates(store, { lifetimeSeconds: SIGN_IN_LIFETIME_SECONDS, now }),
      sessions,
      audit,
      // One URL for both: OAuth returns by GET, SAML posts to the same path.
      urls: { callbackUrl, acsUrl: callbackUrl },
    }),
    identityRefresh: new IdentityRefresh({
      connectors,
      sessions,
      locks: store,
      audit,
      intervalSeconds: config.session.refreshInterval,
      now,
    }),
    signOut: new SignOut({ sessions, audit }),
    revocations,
    revokeUser: new RevokeUser({
      config: () => liveConfig.current,
      connectorIds: () => connectors.list().map((connector) => connector.id),
      index: userIndex,
      revocations,
      sessions,
      // OAuth and AWS SSO logins share the store's keys: one server ends either's.
      logins: new AuthorizationServer(store, {
        publicUrl: config.server.publicUrl,
        timeouts: {
          idleSeconds: config.session.idleTimeout,
          absoluteSeconds: config.session.absoluteTimeout,
        },
        now,
        events: (event) => {
          audit.record(event);
        },
      }),
      ...(cache === undefined ? {} : { credentials: cache }),
      audit,
      now,
    }),
    issuanceRateLimit: liveIssuanceRateLimit(store, liveConfig),
    audit,
    metrics,
    now,
    async close() {
      stsClients.close();
      webIdentityIssuer.close();
      await lockoutCheck;
      await connectors.close();
      await store.close();
      await auditStream?.close();
    },
  };
}

/** The issuance rate limit of the configuration in force: rebuilt when a reload changes its section. */
/** A stream that writes in groups (file, stdout); the Redis stream reports each write instead. */
function batchesOf(stream: AuditRecorder | undefined): AuditBatches | undefined {
  if (stream?.whenWritten === undefined) {
    return undefined;
  }
  return {
    whenWritten: () => stream.whenWritten?.(),
    get failedWrites() {
      return stream.failedWrites ?? 0;
    },
  };
}

function liveIssuanceRateLimit(store: Store, live: LiveConfig): Pick<IssuanceRateLimit, 'take'> {
  let section = live.current.issuanceRateLimit;
  let limit = new IssuanceRateLimit(store, section);
  return {
    take(user, clientAddress) {
      if (live.current.issuanceRateLimit !== section) {
        section = live.current.issuanceRateLimit;
        limit = new IssuanceRateLimit(store, section);
      }
      return limit.take(user, clientAddress);
    },
  };
}

function credentialCache(
  config: FedgateConfig,
  store: Store,
  now: () => number,
  revocation: CacheRevocation,
): CredentialCache {
  const { keys, refreshBefore } = config.issuance.cache;
  const longestCall = Math.max(
    10,
    ...config.backends.map(
      (backend) => backend.timeout * backend.maxAttempts + backend.retryMaxDelayMs / 1000,
    ),
  );
  return new CredentialCache(
    store,
    keys.length > 0 ? CacheCipher.fromConfig(keys) : CacheCipher.ephemeral(),
    {
      refreshBeforeSeconds: refreshBefore,
      now,
      revocation,
      // A replica waiting for another's STS call gives up only after that call could have.
      waitMs: Math.ceil(longestCall + 5) * 1000,
    },
  );
}

/**
 * Replicas without configured cache keys each encrypt with their own: their entries are scoped
 * by a random value, so they do not overwrite one another's in a shared store.
 */
function cacheKeyFunction(config: FedgateConfig): typeof credentialCacheKey {
  if (config.issuance.cache.keys.length > 0) {
    return credentialCacheKey;
  }
  const scope = randomUUID();
  return (identity, plan) => scopedCacheKey(credentialCacheKey(identity, plan), scope);
}

/** Keys made at start work for one instance only; say so when several could share a store. */
function warnAboutSingleInstanceKeys(
  config: FedgateConfig,
  webIdentityKeys: WebIdentityKeyRing,
  logger: Logger,
): void {
  const shared = config.store.type === 'redis';
  const usesWebIdentity =
    config.backends.some((backend) => backend.mode === 'web-identity') ||
    config.permissionSets.some((set) => set.mode === 'web-identity');
  if (webIdentityKeys.ephemeral && usesWebIdentity && shared) {
    logger.warn(
      'issuance.webIdentity.signingKeys is empty: this instance signs with a key made at start, which other replicas do not publish',
    );
  }
  if (config.issuance.cache.enabled && config.issuance.cache.keys.length === 0 && shared) {
    logger.warn(
      'issuance.cache.keys is empty: each replica encrypts cached credentials with its own key, so replicas do not share them',
    );
  }
}

/**
 * The STS endpoint sees signed requests and the federation endpoint gets credentials in its query
 * string: over plain http that is only acceptable on this machine (sts-local, moto).
 */
function warnAboutPlaintextEndpoints(config: FedgateConfig, logger: Logger): void {
  for (const backend of config.backends) {
    for (const [key, url] of [
      ['endpoint', backend.endpoint],
      ['signinUrl', backend.signinUrl],
    ] as const) {
      if (url !== undefined && url.startsWith('http:') && !isLoopback(new URL(url).hostname)) {
        logger.warn(
          { backend: backend.id, key, url },
          'backend endpoint uses plain http to another machine: credentials cross the network unencrypted',
        );
      }
    }
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Plaintext LDAP is allowed only when asked for, and never silently. */
function warnAboutInsecureConnectors(config: FedgateConfig, logger: Logger): void {
  for (const connector of config.connectors) {
    if (
      connector.type === 'ldap' &&
      connector.insecure &&
      !connector.startTls &&
      connector.url.startsWith('ldap://')
    ) {
      logger.warn(
        { connector: connector.id, url: connector.url },
        'connector sends passwords to the directory in clear text (insecure: true); use only for tests',
      );
    }
  }
}
