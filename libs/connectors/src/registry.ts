import { z } from 'zod';
import type { Connector } from './connector';
import { StaticConnector } from './static/static-connector';
import { staticConnectorConfigSchema } from './static/static-connector.config';
import { LdapConnector } from './ldap/ldap-connector';
import { ldapConnectorConfigSchema } from './ldap/ldap-connector.config';
import { OidcConnector } from './oidc/oidc-connector';
import { oidcConnectorConfigSchema } from './oidc/oidc-connector.config';
import { GithubConnector } from './github/github-connector';
import { githubConnectorConfigSchema } from './github/github-connector.config';
import { SamlSpConnector } from './saml/saml-connector';
import { samlConnectorConfigSchema } from './saml/saml-connector.config';
import { JwtConnector } from './jwt/jwt-connector';
import { jwtConnectorConfigSchema } from './jwt/jwt-connector.config';
import type { MetadataLog } from './saml/idp-metadata-source';
import type { Store } from '@fedgate/store';

/**
 * Every connector type's config schema. Add a type here and in
 * `connectorFactories` below; the mapped type makes a missing factory a
 * compile error (after Logto's typed registry). No decorator discovery.
 */
export const connectorConfigSchema = z.discriminatedUnion(
  'type',
  [
    staticConnectorConfigSchema,
    ldapConnectorConfigSchema,
    samlConnectorConfigSchema,
    oidcConnectorConfigSchema,
    githubConnectorConfigSchema,
    jwtConnectorConfigSchema,
  ],
  {
    error: (issue) =>
      typeof issue.input === 'object' && issue.input !== null
        ? 'type must be one of: static, ldap, saml, oidc, github, jwt'
        : 'must be a mapping',
  },
);

export type ConnectorConfig = z.infer<typeof connectorConfigSchema>;
export type ConnectorType = ConnectorConfig['type'];

/** What factories may use besides their own config. Grows as connectors need it (store, logger, clock). */
export interface ConnectorDependencies {
  now?: () => Date;
  /** Replay caches (saml: assertion IDs; jwt: token jtis). */
  store?: Pick<Store, 'setIfAbsent'>;
  /** fedgate's public URL (saml: the default SP entityID). */
  publicUrl?: string;
  /** Background work reports here (saml: metadata refreshes). */
  log?: MetadataLog;
}

type ConnectorFactories = {
  [Type in ConnectorType]: (
    config: Extract<ConnectorConfig, { type: Type }>,
    dependencies: ConnectorDependencies,
  ) => Connector;
};

const connectorFactories: ConnectorFactories = {
  static: (config, dependencies) => new StaticConnector(config, dependencies.now),
  ldap: (config, dependencies) => new LdapConnector(config, dependencies.now),
  oidc: (config, dependencies) =>
    new OidcConnector(config, dependencies.now === undefined ? {} : { now: dependencies.now }),
  github: (config, dependencies) =>
    new GithubConnector(config, dependencies.now === undefined ? {} : { now: dependencies.now }),
  saml: (config, dependencies) => {
    if (dependencies.store === undefined) {
      throw new Error(`connector ${config.id}: a saml connector needs the store for its replay cache`);
    }
    return new SamlSpConnector(config, { ...dependencies, store: dependencies.store });
  },
  jwt: (config, dependencies) => {
    if (dependencies.store === undefined) {
      throw new Error(`connector ${config.id}: a jwt connector needs the store for its jti replay cache`);
    }
    return new JwtConnector(config, {
      store: dependencies.store,
      ...(dependencies.now === undefined ? {} : { now: dependencies.now }),
    });
  },
};

/** Builds the connector a validated config entry describes. */
export function createConnector(
  config: ConnectorConfig,
  dependencies: ConnectorDependencies = {},
): Connector {
  // Safe: `config.type` selects the factory written for exactly that config type.
  const factory = connectorFactories[config.type] as (
    config: ConnectorConfig,
    dependencies: ConnectorDependencies,
  ) => Connector;
  return factory(config, dependencies);
}
