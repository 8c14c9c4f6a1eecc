/**
 * The broker's configuration: the file composed from each stage's section
 * schema and checks (docs/configuration.md), loading, and the one
 * validation that both the broker's start-up and `fedgate config validate`
 * run.
 */
export { brokerConfigSchema, type FedgateConfig } from './broker-config.schema';
export {
  loggingConfigSchema,
  serverConfigSchema,
  type LoggingConfig,
  type ServerConfig,
} from './server.schema';
export { checkConnectorReferences } from './cross-stage-checks';
export {
  brokerConfigJsonSchema,
  editorJsonSchema,
  PUBLISHED_SCHEMA_PATH,
  type DurationRange,
} from './json-schema';
export {
  configReferenceMarkdown,
  currentConfigReference,
  REFERENCE_END,
  REFERENCE_START,
  withConfigReference,
} from './config-reference';
export { brokerConfigFormat, loadConfig, parseConfig, type ConfigResult } from './broker-config-file';
export { applyBrokerEnvironment, type BrokerEnvironment } from './environment';
export { assertBrokerStartup, brokerStartupIssues } from './startup-checks';
export {
  validateBrokerConfig,
  type BrokerConfigValidation,
  type ValidateBrokerConfigOptions,
} from './validate-broker-config';

// Each section's type, from the library that owns the section.
export type { AuditConfig } from '@fedgate/audit';
export type { ConnectorConfig } from '@fedgate/connectors';
export type { IssuanceConfig } from '@fedgate/issuance';
export type {
  AccountConfig,
  AdminsConfig,
  AssignmentConfig,
  AssignmentMatchConfig,
  AttributeConditionConfig,
  BackendConfig,
  MappingSettingsConfig,
  PermissionSetConfig,
} from '@fedgate/mapping';
export type { SessionConfig } from '@fedgate/sessions';
export type { StoreSectionConfig as StoreConfig } from '@fedgate/store';
export type { LoginThrottleConfig } from '@fedgate/throttling';
export type { TokenExchangeClientConfig, TokenExchangeConfig } from '@fedgate/token-exchange';
export {
  LiveConfig,
  LIVE_SECTIONS,
  RESTART_REQUIRED,
  changedPaths,
  changedSections,
  isLiveSection,
  restartOnlyIssues,
  type ConfigSection,
  type ReloadOutcome,
} from './live-config';
