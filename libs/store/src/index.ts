export * from './store';
export { LockTimeoutError } from './errors';
export { withLock } from './with-lock';
export { MemoryStore, type MemoryStoreOptions } from './memory-store';
export {
  RedisStore,
  failClosedClientOptions,
  type RedisClientTimeouts,
  type RedisConnectOptions,
  type RedisOpenOptions,
  type RedisStoreOptions,
} from './redis-store';
export { defineScript, type ScriptCall } from './redis-scripts';
export { createRedisClient, type RedisClient, type RedisTls, type RedisTopology } from './redis-topology';
export { redact as redactRedisError } from './redis-errors';
export {
  createStore,
  redisConnectionFromSection,
  storeConfigFromSection,
  type StoreConfig,
} from './create-store';
export {
  redisConnectionShape,
  requireOneRedisTopology,
  storeConfigSchema,
  type RedisConnectionSection,
  type StoreSectionConfig,
} from './store.config';
