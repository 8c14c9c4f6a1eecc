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
} from './issues';
export {
  loadConfig,
  parseConfig,
  type ConfigResult,
  type LoadConfigOptions,
  type ParseConfigOptions,
} from './load-config';
export { MAX_FILE_BYTES as MAX_CONFIG_BYTES } from './read-text-file';
