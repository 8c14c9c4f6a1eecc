export * from './connector';
export * from './registry';
export { StaticConnector } from './static/static-connector';
export { staticConnectorConfigSchema, type StaticConnectorConfig } from './static/static-connector.config';
export { hashPassword, parsePasswordHash, verifyPassword } from './static/password-hash';
export { connectorIdSchema } from './connector-id';
export { ConnectorCatalog } from './connector-catalog';
export { LdapConnector } from './ldap/ldap-connector';
export { ldapConnectorConfigSchema, type LdapConnectorConfig } from './ldap/ldap-connector.config';
