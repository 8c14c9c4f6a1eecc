/**
 * The generic configuration kit: YAML with positions, `${env:}`/`${file:}`
 * references, zod issues in plain English, cross-check tools, and the
 * pipeline that reports every problem at once. It knows no fedgate section:
 * each stage library declares its own schema, and @fedgate/broker-config
 * composes the broker's file from them.
 */
export { durationRanges, durationSeconds } from './duration.schema';
export { httpUrl, bareHttpUrl } from './url.schema';
export { ConfigError } from './config-error';
export {
  formatIssue,
  formatIssues,
  formatPath,
  toConfigIssue,
  ROOT_PATH,
  type ConfigIssue,
  type ConfigPath,
  type PathIssue,
} from './issues';
export {
  duplicates,
  entriesOf,
  failedChecks,
  isEntry,
  stringsAt,
  textAt,
  textsOf,
  unknownName,
  type Check,
  type Entry,
  type Indexed,
} from './cross-checks';
export {
  loadConfigFile,
  parseConfigText,
  type ConfigFormat,
  type ParsedConfig,
  type LoadConfigOptions,
  type ParseConfigOptions,
} from './load-config';
export { MAX_FILE_BYTES as MAX_CONFIG_BYTES, readTextFileSync } from './read-text-file';
