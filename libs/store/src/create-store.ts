import { MemoryStore } from './memory-store';
import { RedisStore } from './redis-store';
import type { Store } from './store';

/**
 * The store section of the broker's configuration, as the config library
 * produces it. `memory` suits a single instance; anything with more than one
 * broker process needs `redis`.
 */
export type StoreConfig =
  { type: 'memory' } | { type: 'redis'; url: string; keyPrefix: string; connectTimeoutMs?: number };

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
      return RedisStore.connect({
        url: config.url,
        keyPrefix: config.keyPrefix,
        connectTimeoutMs: config.connectTimeoutMs,
      });
  }
}
