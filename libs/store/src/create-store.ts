import { MemoryStore } from './memory-store';
import { RedisStore } from './redis-store';
import type { RedisTopology } from './redis-topology';
import type { RedisConnectionSection, StoreSectionConfig } from './store.config';
import type { Store } from './store';

/**
 * The store to build. `memory` suits a single instance; anything with more
 * than one broker process needs `redis`: one server, Sentinel or Cluster.
 */
export type StoreConfig =
  { type: 'memory' } | ({ type: 'redis'; keyPrefix: string; connectTimeoutMs?: number } & RedisTopology);

/** The validated `store` section (durations in seconds) as createStore takes it. */
export function storeConfigFromSection(section: StoreSectionConfig): StoreConfig {
  if (section.type === 'memory') {
    return { type: 'memory' };
  }
  return { type: 'redis', keyPrefix: section.keyPrefix, ...redisConnectionFromSection(section) };
}

/** Validated Redis connection keys (store or audit.redis) as the topology and bound a client is built with. */
export function redisConnectionFromSection(
  section: RedisConnectionSection,
): RedisTopology & { connectTimeoutMs: number } {
  const connectTimeoutMs = section.connectTimeout * 1000;
  const auth = { username: section.username, password: section.password, tls: section.tls };
  if (section.sentinel !== undefined) {
    return { connectTimeoutMs, ...auth, sentinel: section.sentinel };
  }
  if (section.cluster !== undefined) {
    return { connectTimeoutMs, ...auth, cluster: section.cluster };
  }
  if (section.url === undefined) {
    // The section's schema requires exactly one topology; this guards callers that skipped it.
    throw new TypeError('set exactly one of url, sentinel or cluster');
  }
  return { connectTimeoutMs, url: section.url };
}

/**
 * Builds the configured store. For Redis it resolves only once the server is
 * ready, and rejects with FedgateError('store_unavailable') otherwise, so a
 * broker never starts serving without its store.
 */
export async function createStore(config: StoreConfig): Promise<Store> {
  switch (config.type) {
    case 'memory':
      return new MemoryStore();
    case 'redis':
      return RedisStore.open(config);
  }
}
