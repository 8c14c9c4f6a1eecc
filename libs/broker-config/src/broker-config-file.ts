import {
  loadConfigFile,
  parseConfigText,
  type ConfigFormat,
  type LoadConfigOptions,
  type ParseConfigOptions,
  type ParsedConfig,
} from '@fedgate/config';
import { checkMappingSections } from '@fedgate/mapping';
import { brokerConfigSchema, type FedgateConfig } from './broker-config.schema';
import { checkConnectorReferences } from './cross-stage-checks';
import { checkTokenExchangeReferences } from '@fedgate/token-exchange';

/** The broker's file format: the composed schema, each stage's cross-checks and the cross-stage ones. */
export const brokerConfigFormat: ConfigFormat<typeof brokerConfigSchema> = {
  schema: brokerConfigSchema,
  crossChecks: (data) => [
    ...checkMappingSections(data),
    ...checkConnectorReferences(data),
    ...checkTokenExchangeReferences(data),
  ],
  emptyHint: 'it must list at least connectors',
};

/** A schema-valid broker configuration, or every reason it is not. */
export type ConfigResult = ParsedConfig<FedgateConfig>;

/**
 * Validates broker configuration text against its schema and cross-checks,
 * every problem at once (see parseConfigText in @fedgate/config). Start-up
 * checks beyond the file (key material, the environment) are
 * validateBrokerConfig's.
 */
export function parseConfig(text: string, options: ParseConfigOptions): ConfigResult {
  return parseConfigText(text, brokerConfigFormat, options);
}

/**
 * Reads and validates a broker configuration file like parseConfig.
 * Relative `${file:…}` references start from the file's directory. Throws
 * ConfigError, listing every issue, when the file is unreadable or invalid.
 */
export function loadConfig(path: string, options: LoadConfigOptions = {}): FedgateConfig {
  return loadConfigFile(path, brokerConfigFormat, options);
}
