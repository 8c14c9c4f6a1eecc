export * from './connector';
export * from './registry';
export { StaticConnector } from './static/static-connector';
export { staticConnectorConfigSchema, type StaticConnectorConfig } from './static/static-connector.config';
export { hashPassword, parsePasswordHash, verifyPassword } from './static/password-hash';
export { connectorIdSchema } from './connector-id';
export { connectorLogoSchema } from './connector-logo';
export { ConnectorCatalog } from './connector-catalog';
export { LdapConnector } from './ldap/ldap-connector';
export { ldapConnectorConfigSchema, type LdapConnectorConfig } from './ldap/ldap-connector.config';
export { SamlSpConnector } from './saml/saml-connector';
export { samlConnectorConfigSchema, type SamlConnectorConfig } from './saml/saml-connector.config';
export { samlStartupIssues } from './saml/saml-startup-checks';
export { OidcConnector, type OidcConnectorDependencies } from './oidc/oidc-connector';
export { oidcConnectorConfigSchema, type OidcConnectorConfig } from './oidc/oidc-connector.config';
export { GithubConnector, type GithubConnectorDependencies } from './github/github-connector';
export { githubConnectorConfigSchema, type GithubConnectorConfig } from './github/github-connector.config';
export { JwtConnector, type JwtConnectorDependencies } from './jwt/jwt-connector';
export {
  jwtConnectorConfigSchema,
  publicKeyTextSchema,
  JWT_ALGORITHMS,
  type JwtAlgorithm,
  type JwtConnectorConfig,
} from './jwt/jwt-connector.config';
export { issuerKeys, type KeyResolver } from './jwt/issuer-keys';
