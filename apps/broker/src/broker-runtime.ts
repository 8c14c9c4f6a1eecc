import type { FedgateConfig } from '@fedgate/config';
import { ConnectorCatalog } from '@fedgate/connectors';
import { AssumeRoleIssuer } from '@fedgate/issuance';
import type { Logger } from '@fedgate/logging';
import { SessionManager } from '@fedgate/sessions';
import { LoginThrottle } from '@fedgate/throttling';
import { createStore, type Store } from '@fedgate/store';
import type { STSClient } from '@aws-sdk/client-sts';
import type { BackendConfig } from '@fedgate/config';

/**
 * The broker's singletons, built from the validated config with plain
 * constructors (no Nest), so tests and other entry points can build one too.
 */
export interface BrokerRuntime {
  config: FedgateConfig;
  logger: Logger;
  store: Store;
  connectors: ConnectorCatalog;
  sessions: SessionManager;
  issuer: AssumeRoleIssuer;
  throttle: LoginThrottle;
  /** The broker's clock (milliseconds); the mapping measures auth ages with it. */
  now: () => number;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger: Logger;
  /** Replaces the SDK client per backend; tests use it to count STS calls. */
  stsClientFactory?: (backend: BackendConfig) => STSClient;
  now?: () => number;
}

export async function createBrokerRuntime(
  config: FedgateConfig,
  options: RuntimeOptions,
): Promise<BrokerRuntime> {
  const now = options.now ?? Date.now;
  warnAboutInsecureConnectors(config, options.logger);
  const store = await createStore(
    config.store.type === 'redis'
      ? {
          type: 'redis',
          url: config.store.url,
          keyPrefix: config.store.keyPrefix,
          connectTimeoutMs: config.store.connectTimeout * 1000,
        }
      : { type: 'memory' },
  );
  const issuer = new AssumeRoleIssuer(config.backends, options.stsClientFactory);
  const connectors = ConnectorCatalog.fromConfig(config.connectors, { now: () => new Date(now()) });
  return {
    config,
    logger: options.logger,
    store,
    connectors,
    sessions: new SessionManager(
      store,
      { idleSeconds: config.session.idleTimeout, absoluteSeconds: config.session.absoluteTimeout },
      now,
    ),
    issuer,
    throttle: new LoginThrottle(store, {
      maxFailuresPerUser: config.loginThrottle.maxFailuresPerUser,
      maxFailuresPerClient: config.loginThrottle.maxFailuresPerClient,
      windowSeconds: config.loginThrottle.window,
    }),
    now,
    async close() {
      issuer.close();
      await connectors.close();
      await store.close();
    },
  };
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
