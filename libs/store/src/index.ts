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
export { type RedisTls, type RedisTopology } from './redis-topology';
export { createStore, storeConfigFromSection, type StoreConfig } from './create-store';
export { storeConfigSchema, type StoreSectionConfig } from './store.config';
