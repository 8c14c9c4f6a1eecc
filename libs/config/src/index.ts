export * from './schema';
export { durationSeconds } from './duration.schema';
export { ConfigError } from './config-error';
export {
  formatIssue,
  formatIssues,
  formatPath,
  ROOT_PATH,
  type ConfigIssue,
  type ConfigPath,
  type PathIssue,
} from './issues';
export {
  loadConfig,
  parseConfig,
  parseConfigText,
  type ConfigFormat,
  type ParsedConfig,
  type ConfigResult,
  type LoadConfigOptions,
  type ParseConfigOptions,
} from './load-config';
export { MAX_FILE_BYTES as MAX_CONFIG_BYTES, readTextFileSync } from './read-text-file';
